package io.pim.metalearner.kafka;

import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.config.RegistryClientConfig;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.RegistryProxy;
import io.pim.metalearner.testing.TestNames;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The serdes reach a registry that asks for credentials: basic auth, or an OAuth2 client-credentials token. */
@ExtendWith(RegistryExtension.class)
class AvroSerdesAuthTest {
    private static EmbeddedRegistry registry;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    private static TradeClosed trade() {
        return TradeClosed.newBuilder().setDecisionId("d-1").setSymbol("AAPL")
                .setEntryPrice(150.0).setExitPrice(157.5).setActualProfit(75.0).setHoldDuration(5)
                .setClosedAt(Instant.ofEpochMilli(1_700_000_000_000L)).build();
    }

    /** Serializes and reads back through the serde, against a topic the registry has not seen. */
    private static TradeClosed roundTrip(RegistryClientConfig client) {
        String topic = TestNames.unique("auth");
        try (Serde<TradeClosed> serde = AvroSerdes.value(client)) {
            byte[] bytes = serde.serializer().serialize(topic, trade());
            return serde.deserializer().deserialize(topic, bytes);
        }
    }

    @Test
    void aRegistryBehindBasicAuthRefusesTheSerdeWithoutCredentialsAndServesItWithThem() throws Exception {
        // given
        try (RegistryProxy guarded = RegistryProxy.requiringBasicAuth(registry.url(), "metalearner", "basic-secret")) {
            // when / then: without credentials the registry answers 401 and nothing is written
            assertThatThrownBy(() -> roundTrip(RegistryClientConfig.anonymous(guarded.apiUrl())))
                    .satisfies(e -> assertThat(chain(e)).contains("status code401"));
            assertThatThrownBy(() -> roundTrip(RegistryClientConfig.basic(guarded.apiUrl(), "metalearner", "wrong")))
                    .satisfies(e -> assertThat(chain(e)).contains("status code401"));

            // when / then: with them the record goes through and reads back
            assertThat(roundTrip(RegistryClientConfig.basic(guarded.apiUrl(), "metalearner", "basic-secret"))).isEqualTo(trade());
        }
    }

    @Test
    void aRegistryBehindOAuth2RefusesTheSerdeWithoutATokenAndServesItWithOne() throws Exception {
        // given
        try (RegistryProxy guarded = RegistryProxy.requiringBearer(registry.url(), "ml-client", "oauth-secret")) {
            // when / then: without a token, 401
            assertThatThrownBy(() -> roundTrip(RegistryClientConfig.anonymous(guarded.apiUrl())))
                    .satisfies(e -> assertThat(chain(e)).contains("status code401"));
            assertThat(guarded.tokensIssued()).isZero();

            // when: the serde gets a token from the token endpoint
            TradeClosed read = roundTrip(RegistryClientConfig.oauth2(guarded.apiUrl(), guarded.tokenEndpoint(), "ml-client", "oauth-secret"));

            // then
            assertThat(read).isEqualTo(trade());
            assertThat(guarded.tokensIssued()).isPositive();
        }
    }

    private static String chain(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) text.append(t).append(" | ");
        return text.toString();
    }
}
