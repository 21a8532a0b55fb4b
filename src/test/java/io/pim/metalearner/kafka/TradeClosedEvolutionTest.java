package io.pim.metalearner.kafka;

import io.pim.metalearner.avro.TradeClosed;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The close's optional {@code model_id} is a compatible change both ways: a close written before it
 * existed reads with the model null, and a reader from before it reads a new close (the field
 * skipped). The old schema is kept as it was released, in the test resources.
 */
class TradeClosedEvolutionTest {

    private static Schema before() throws IOException {
        try (InputStream in = TradeClosedEvolutionTest.class.getResourceAsStream("/schemas-before/TradeClosed-without-model_id.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    @Test
    void theCloseWithItsModelIsCompatibleBothWaysWithTheCloseWithout() throws IOException {
        Schema before = before(), now = TradeClosed.getClassSchema();
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(now, before).getType())
                .as("new readers, old closes").isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(before, now).getType())
                .as("old readers, new closes").isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void anOldCloseReadsWithNoModelAndANewCloseReadsInAnOldReader() throws IOException {
        // given: a close as the old schema wrote it
        Schema before = before();
        GenericRecord old = new GenericData.Record(before);
        old.put("decision_id", "d-1");
        old.put("symbol", "AAPL");
        old.put("entry_price", 150.0);
        old.put("exit_price", 157.5);
        old.put("actual_profit", 75.0);
        old.put("hold_duration", 5.0);
        old.put("closed_at", 1_700_000_000_000L);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder out = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(before).write(old, out);
        out.flush();

        // when / then: today's reader resolves it, with no model
        TradeClosed read = new SpecificDatumReader<TradeClosed>(before, TradeClosed.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(read.getDecisionId()).isEqualTo("d-1");
        assertThat(read.getModelId()).isNull();

        // and a close naming its model reads in the old reader, the model skipped
        TradeClosed now = TradeClosed.newBuilder(read).setModelId("desk-1").build();
        ByteArrayOutputStream newBytes = new ByteArrayOutputStream();
        BinaryEncoder newOut = EncoderFactory.get().binaryEncoder(newBytes, null);
        new SpecificDatumWriter<TradeClosed>(TradeClosed.getClassSchema()).write(now, newOut);
        newOut.flush();
        GenericRecord inOld = new GenericDatumReader<GenericRecord>(TradeClosed.getClassSchema(), before)
                .read(null, DecoderFactory.get().binaryDecoder(newBytes.toByteArray(), null));
        assertThat(inOld.get("decision_id").toString()).isEqualTo("d-1");
        assertThat(inOld.getSchema().getField("model_id")).isNull();
    }
}
