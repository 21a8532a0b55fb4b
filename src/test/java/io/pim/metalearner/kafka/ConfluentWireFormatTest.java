package io.pim.metalearner.kafka;

import io.pim.metalearner.config.RegistryClientConfig;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.RegistryExtension;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/** Confluent clients in any language must be able to read and write our topics through Apicurio. */
@ExtendWith(RegistryExtension.class)
class ConfluentWireFormatTest {
    private static EmbeddedRegistry registry;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    private static TradeClosed trade() {
        return TradeClosed.newBuilder().setDecisionId("d-1").setSymbol("AAPL")
                .setEntryPrice(150.0).setExitPrice(157.5).setActualProfit(75.0).setHoldDuration(5)
                .setClosedAt(java.time.Instant.ofEpochMilli(1_700_000_000_000L)).build();
    }

    @Test
    void serializedBytesAreConfluentFramedAndTheIdResolvesThroughCcompat() throws Exception {
        // given
        try (Serde<TradeClosed> serde = AvroSerdes.value(RegistryClientConfig.anonymous(registry.apiUrl()))) {
            // when
            byte[] bytes = serde.serializer().serialize("trade-closed", trade());

            // then: 0x00, a 4-byte id, then Avro binary
            assertThat(bytes[0]).isEqualTo((byte) 0);
            int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
            HttpResponse<String> schema = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + "/schemas/ids/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(schema.statusCode()).isEqualTo(200);
            assertThat(schema.body()).contains("TradeClosed").contains("entry_price");
        }
    }

    @Test
    void handBuiltConfluentBytesDeserialize() throws Exception {
        try (Serde<TradeClosed> serde = AvroSerdes.value(RegistryClientConfig.anonymous(registry.apiUrl()))) {
            // given: the schema registered the Confluent way, the bytes framed by hand
            int id = registerViaCcompat("trade-closed-value", TradeClosed.getClassSchema().toString());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(id).array());
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(TradeClosed.class).write(trade(), encoder);
            encoder.flush();

            // when
            TradeClosed read = serde.deserializer().deserialize("trade-closed", out.toByteArray());

            // then
            assertThat(read).isEqualTo(trade());
        }
    }

    private static int registerViaCcompat(String subject, String schema) throws Exception {
        String body = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of("schema", schema));
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + "/subjects/" + subject + "/versions"))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body()).get("id").asInt();
    }
}
