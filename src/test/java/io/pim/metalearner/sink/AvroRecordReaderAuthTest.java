package io.pim.metalearner.sink;

import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import io.pim.metalearner.config.RegistryClientConfig;
import io.pim.metalearner.kafka.AvroSerdes;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.RegistryProxy;
import io.pim.metalearner.testing.TestNames;
import io.pim.metalearner.testing.TradeHistory;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The writer's reader fetches writer schemas from a registry that asks for credentials: basic
 * auth, or a bearer token from an OAuth2 client-credentials grant, kept while it is good.
 */
@ExtendWith(RegistryExtension.class)
class AvroRecordReaderAuthTest {
    private static EmbeddedRegistry registry;
    private static TradeHistory.Step step;
    private static byte[] log;
    private static byte[] performance;
    private static byte[] snapshot;

    @BeforeAll
    static void recordsWrittenThroughTheRegistry(EmbeddedRegistry shared) {
        registry = shared;
        step = TradeHistory.generate("default", 10, 1).get(9); // the tenth step carries a snapshot
        log = written(step.log());
        performance = written(step.performance().get(0));
        snapshot = written(step.snapshot());
    }

    /** Confluent-framed bytes as the service writes them, the schema registered under a fresh artifact. */
    private static <T extends SpecificRecord> byte[] written(T record) {
        try (Serializer<T> serializer = AvroSerdes.<T>value(RegistryClientConfig.anonymous(registry.apiUrl())).serializer()) {
            return serializer.serialize(TestNames.unique("auth-reader"), record);
        }
    }

    @Test
    void behindBasicAuthTheReaderIsRefusedWithoutCredentialsAndReadsWithThem() throws Exception {
        // given
        try (RegistryProxy guarded = RegistryProxy.requiringBasicAuth(registry.url(), "writer", "basic-secret")) {
            // when / then: without credentials, or with wrong ones, the registry answers 401 and the writer stops
            assertThatThrownBy(() -> new AvroRecordReader(RegistryClientConfig.anonymous(guarded.apiUrl())).read(log, TrainingLog.class))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("HTTP 401");
            assertThatThrownBy(() -> new AvroRecordReader(RegistryClientConfig.basic(guarded.apiUrl(), "writer", "not-the-secret"))
                    .read(log, TrainingLog.class))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("HTTP 401")
                    .hasMessageNotContaining("not-the-secret");

            // when
            AvroRecordReader reader = new AvroRecordReader(RegistryClientConfig.basic(guarded.apiUrl(), "writer", "basic-secret"));

            // then
            assertThat(reader.read(log, TrainingLog.class)).isEqualTo(step.log());
            assertThat(reader.read(performance, AgentPerformance.class)).isEqualTo(step.performance().get(0));
        }
    }

    @Test
    void behindOAuth2TheReaderFetchesOneTokenKeepsItAndFetchesAnotherWhenItIsRefused() throws Exception {
        // given
        try (RegistryProxy guarded = RegistryProxy.requiringBearer(registry.url(), "writer-client", "oauth-secret")) {
            assertThatThrownBy(() -> new AvroRecordReader(RegistryClientConfig.anonymous(guarded.apiUrl())).read(log, TrainingLog.class))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("HTTP 401");
            AvroRecordReader reader = new AvroRecordReader(
                    RegistryClientConfig.oauth2(guarded.apiUrl(), guarded.tokenEndpoint(), "writer-client", "oauth-secret"));

            // when: two schemas, several registry requests
            TrainingLog readLog = reader.read(log, TrainingLog.class);
            AgentPerformance readPerformance = reader.read(performance, AgentPerformance.class);

            // then: one token served them all
            assertThat(readLog).isEqualTo(step.log());
            assertThat(readPerformance).isEqualTo(step.performance().get(0));
            assertThat(guarded.tokensIssued()).isEqualTo(1);

            // when: the token is revoked before it expires
            guarded.revokeTokens();
            WeightSnapshot readSnapshot = reader.read(snapshot, WeightSnapshot.class);

            // then: the refused request is made again with a new token
            assertThat(readSnapshot).isEqualTo(step.snapshot());
            assertThat(guarded.tokensIssued()).isEqualTo(2);
        }
    }

    @Test
    void aTokenEndpointThatRefusesTheClientStopsTheWriterWithoutShowingTheSecret() throws Exception {
        try (RegistryProxy guarded = RegistryProxy.requiringBearer(registry.url(), "writer-client", "oauth-secret")) {
            AvroRecordReader reader = new AvroRecordReader(
                    RegistryClientConfig.oauth2(guarded.apiUrl(), guarded.tokenEndpoint(), "writer-client", "wrong-secret"));

            assertThatThrownBy(() -> reader.read(log, TrainingLog.class))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("writer-client")
                    .hasMessageContaining("HTTP 401").hasMessageNotContaining("wrong-secret");
            assertThat(guarded.tokensIssued()).isZero();
        }
    }
}
