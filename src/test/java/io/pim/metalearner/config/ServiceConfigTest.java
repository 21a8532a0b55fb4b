package io.pim.metalearner.config;

import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.stream.LearningService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceConfigTest {

    private static Properties minimal() {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", "kafka:9092");
        p.setProperty("registry.url", "http://registry:8080/apis/registry/v3");
        return p;
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        // when
        ServiceConfig c = ServiceConfig.from(minimal(), Map.of());

        // then
        assertThat(c.defaultModelId()).isEqualTo("default");
        assertThat(c.votesTtl()).isEqualTo(Duration.ofDays(30));
        assertThat(c.tradeGrace()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.snapshotEvery()).isEqualTo(10);
        assertThat(c.replicationFactor()).isEqualTo((short) 1);
        assertThat(c.learner().engine()).isEqualTo("fast");
        assertThat(c.learner().roster()).hasSize(9);
        assertThat(c.topics().training()).isEqualTo("training");
        assertThat(c.topics().deadLetter()).isEqualTo("dead-letter");
    }

    @Test
    void aFileIsReadAndTheEnvironmentOverridesIt(@TempDir Path dir) throws Exception {
        // given
        Path file = dir.resolve("service.properties");
        Files.writeString(file, """
                bootstrap.servers=file:9092
                registry.url=http://registry:8080/apis/registry/v3
                trade.grace=PT30S
                roster=A, B ,C
                topic.training=training-v2
                streams.num.standby.replicas=1
                """);

        // when
        ServiceConfig c = ServiceConfig.load(file, Map.of(
                "METALEARNER_BOOTSTRAP_SERVERS", "env:9092",
                "METALEARNER_VOTES_TTL", "2h",
                "METALEARNER_MODEL_DEFAULT_ID", "committee-a"));

        // then
        assertThat(c.bootstrapServers()).isEqualTo("env:9092");
        assertThat(c.votesTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(c.tradeGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.defaultModelId()).isEqualTo("committee-a");
        assertThat(c.learner().roster()).isEqualTo(List.of("A", "B", "C"));
        assertThat(c.topics().training()).isEqualTo("training-v2");
        assertThat(LearningService.streamsProperties(c)).containsEntry("num.standby.replicas", "1")
                .containsEntry("processing.guarantee", "exactly_once_v2");
    }

    @Test
    void badValuesFailNamingTheKeyAndWhatItAccepts() {
        assertThatThrownBy(() -> ServiceConfig.from(with("engine", "gpu"), Map.of()))
                .hasMessageContaining("engine").hasMessageContaining("fast, dl4j");
        assertThatThrownBy(() -> ServiceConfig.from(with("trade.grace", "soon"), Map.of()))
                .hasMessageContaining("trade.grace").hasMessageContaining("5m");
        assertThatThrownBy(() -> ServiceConfig.from(with("snapshot.every", "0"), Map.of()))
                .hasMessageContaining("snapshot.every").hasMessageContaining("at least 1");
        assertThatThrownBy(() -> ServiceConfig.from(with("registry.url", "registry:8080"), Map.of()))
                .hasMessageContaining("registry.url").hasMessageContaining("http");
        assertThatThrownBy(() -> ServiceConfig.from(with("votes.tll", "1d"), Map.of()))
                .hasMessageContaining("unknown config key 'votes.tll'").hasMessageContaining("votes.ttl");
        assertThatThrownBy(() -> ServiceConfig.from(new Properties(), Map.of()))
                .hasMessageContaining("'bootstrap.servers' is required").hasMessageContaining("METALEARNER_BOOTSTRAP_SERVERS");
        assertThatThrownBy(() -> ServiceConfig.from(minimal(), Map.of("METALEARNER_TOPIC_TRAINING", "bad name")))
                .hasMessageContaining("topic.training");
    }

    @Test
    void theHttpKeysHaveTheirDefaultsAndTheTokenComesFromTheEnvironment() {
        // when
        ServiceConfig defaults = ServiceConfig.from(minimal(), Map.of());
        ServiceConfig configured = ServiceConfig.from(with("http.feedback.timeout", "250ms"), Map.of(
                "METALEARNER_HTTP_ADMIN_TOKEN", "an-admin-token-of-24-ch", "METALEARNER_HTTP_PORT", "9090",
                "METALEARNER_HTTP_CURVE_POINTS", "50"));

        // then
        assertThat(defaults.http()).isEqualTo(new ServiceConfig.HttpSettings(8080, null, Duration.ofSeconds(5), 200, null));
        assertThat(configured.http()).isEqualTo(
                new ServiceConfig.HttpSettings(9090, "an-admin-token-of-24-ch", Duration.ofMillis(250), 50, null));
        assertThat(configured.toString()).doesNotContain("an-admin-token-of-24-ch");
        assertThat(ServiceConfig.from(with("http.admin-token", "  "), Map.of()).http().adminToken()).isNull();
    }

    @Test
    void badHttpValuesFailNamingTheKeyAndNeverShowTheToken() {
        assertThatThrownBy(() -> ServiceConfig.from(with("http.admin-token", "short-secret"), Map.of()))
                .hasMessageContaining("http.admin-token").hasMessageContaining("METALEARNER_HTTP_ADMIN_TOKEN")
                .hasMessageContaining("16").hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> ServiceConfig.from(with("http.port", "70000"), Map.of()))
                .hasMessageContaining("http.port").hasMessageContaining("65535");
        assertThatThrownBy(() -> ServiceConfig.from(with("http.feedback.timeout", "0s"), Map.of()))
                .hasMessageContaining("http.feedback.timeout").hasMessageContaining("30s");
        assertThatThrownBy(() -> ServiceConfig.from(with("http.curve.points", "0"), Map.of()))
                .hasMessageContaining("http.curve.points").hasMessageContaining("at least 1");
    }

    @Test
    void kafkaKeysReachEveryClientAndSecretsComeFromTheEnvironment() {
        // given: a secured cluster's settings in the file, its secret in the environment
        Properties p = with("kafka.security.protocol", "SASL_SSL");
        p.setProperty("kafka.sasl.mechanism", "SCRAM-SHA-512");

        // when
        ServiceConfig c = ServiceConfig.from(p, Map.of("METALEARNER_KAFKA_SASL_JAAS_CONFIG", "jaas-secret"));

        // then: Kafka Streams and the factory's clients get them, and the config's text shows no secret
        assertThat(LearningService.streamsProperties(c)).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512").containsEntry("sasl.jaas.config", "jaas-secret");
        assertThat(new KafkaClients(c).common()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "jaas-secret").containsEntry("bootstrap.servers", "kafka:9092");
        assertThat(c.toString()).doesNotContain("jaas-secret");
    }

    @Test
    void registryCredentialsAreReadTheSecretsFromTheEnvironmentAndNeverShown() {
        // given: basic auth, the password in the environment; OAuth2, the client secret in the environment
        Properties basicFile = with("registry.auth.username", "metalearner");
        Properties oauthFile = with("registry.auth.token-endpoint", "https://sso/token");
        oauthFile.setProperty("registry.auth.client-id", "ml-client");

        // when
        ServiceConfig none = ServiceConfig.from(minimal(), Map.of());
        ServiceConfig basic = ServiceConfig.from(basicFile, Map.of("METALEARNER_REGISTRY_AUTH_PASSWORD", "basic-secret"));
        ServiceConfig oauth = ServiceConfig.from(oauthFile, Map.of("METALEARNER_REGISTRY_AUTH_CLIENT_SECRET", "oauth-secret"));

        // then
        String url = "http://registry:8080/apis/registry/v3";
        assertThat(none.registryClient()).isEqualTo(RegistryClientConfig.anonymous(url));
        assertThat(basic.registryClient()).isEqualTo(RegistryClientConfig.basic(url, "metalearner", "basic-secret"));
        assertThat(oauth.registryClient()).isEqualTo(RegistryClientConfig.oauth2(url, "https://sso/token", "ml-client", "oauth-secret"));
        for (ServiceConfig c : List.of(basic, oauth)) {
            assertThat(c.toString()).doesNotContain("basic-secret").doesNotContain("oauth-secret");
            assertThat(c.registryClient().toString()).doesNotContain("basic-secret").doesNotContain("oauth-secret");
        }
    }

    @Test
    void halfSetRegistryCredentialsFailTheStartNamingTheKeys() {
        assertThatThrownBy(() -> ServiceConfig.from(with("registry.auth.username", "metalearner"), Map.of()))
                .hasMessageContaining("registry.auth.password");
        assertThatThrownBy(() -> ServiceConfig.from(with("registry.auth.client-id", "ml-client"), Map.of()))
                .hasMessageContaining("registry.auth.token-endpoint").hasMessageContaining("registry.auth.client-secret");
        assertThatThrownBy(() -> ServiceConfig.from(with("registry.auth.token-endpoint", "not a url"), Map.of()))
                .hasMessageContaining("registry.auth.token-endpoint");
        Properties both = with("registry.auth.username", "metalearner");
        both.setProperty("registry.auth.password", "basic-secret");
        both.setProperty("registry.auth.token-endpoint", "https://sso/token");
        both.setProperty("registry.auth.client-id", "ml-client");
        both.setProperty("registry.auth.client-secret", "oauth-secret");
        assertThatThrownBy(() -> ServiceConfig.from(both, Map.of()))
                .hasMessageContaining("not both").hasMessageNotContaining("basic-secret").hasMessageNotContaining("oauth-secret");
    }

    @Test
    void candidatesAndThePromotionPolicyAreReadAndNoneIsTheDefault() {
        ServiceConfig none = ServiceConfig.from(minimal(), Map.of());
        assertThat(none.candidates()).isEmpty();
        assertThat(none.promotion().mode()).isEqualTo("manual");
        assertThat(none.raceWindow()).isEqualTo(1000);

        Properties p = with("candidates", "default, net(features=side,hidden=16x8,lr=0.01,dropout=0,batch=1)+hedge(eta=0.5)");
        p.setProperty("promotion.policy", "auto");
        p.setProperty("race.window", "500");
        p.setProperty("promotion.min-trades", "300");
        ServiceConfig raced = ServiceConfig.from(p, Map.of());
        assertThat(raced.candidates()).extracting(io.pim.metalearner.learn.LearnerSpec::name).containsExactly(
                "ridge", "ridge-tracking", "net-batch8", "net(features=side,hidden=16x8,lr=0.01,dropout=0,batch=1)+hedge(eta=0.5)");
        assertThat(raced.promotion().auto()).isTrue();
        assertThat(raced.promotion().minTrades()).isEqualTo(300);
    }

    @Test
    void badCandidatesAndPoliciesFailNamingTheKey() {
        assertThatThrownBy(() -> ServiceConfig.from(with("candidates", "ridge,lasso"), Map.of()))
                .hasMessageContaining("candidates").hasMessageContaining("lasso");
        assertThatThrownBy(() -> ServiceConfig.from(with("candidates", "ridge,ridge"), Map.of()))
                .hasMessageContaining("candidates").hasMessageContaining("twice");
        assertThatThrownBy(() -> ServiceConfig.from(with("promotion.policy", "yolo"), Map.of()))
                .hasMessageContaining("promotion.policy").hasMessageContaining("manual");
        assertThatThrownBy(() -> ServiceConfig.from(with("promotion.significance", "1.5"), Map.of()))
                .hasMessageContaining("promotion.significance");
        assertThatThrownBy(() -> ServiceConfig.from(with("promotion.min-trades", "5000"), Map.of()))
                .hasMessageContaining("promotion.min-trades").hasMessageContaining("race.window");
    }

    private static Properties with(String key, String value) {
        Properties p = minimal();
        p.setProperty(key, value);
        return p;
    }

    @Test
    void aRegimeResponseIsConfiguredWithTheDriftAlertsDetectorAndNoneByDefault() {
        // given
        Properties p = minimal();
        p.setProperty("regime.response", "reset-moments, boost");
        p.setProperty("regime.boost-factor", "2.5");
        p.setProperty("regime.boost-steps", "100");
        p.setProperty("alert.drift.threshold", "0.02");

        // when
        var response = ServiceConfig.from(p, Map.of()).learner().response();

        // then
        assertThat(ServiceConfig.from(minimal(), Map.of()).learner().response())
                .isEqualTo(io.pim.metalearner.learn.regime.RegimeResponse.NONE);
        assertThat(response.resetMoments()).isTrue();
        assertThat(response.boostFactor()).isEqualTo(2.5);
        assertThat(response.boostSteps()).isEqualTo(100);
        assertThat(response.drift().threshold()).isEqualTo(0.02);
        Properties bad = minimal();
        bad.setProperty("regime.response", "panic");
        assertThatThrownBy(() -> ServiceConfig.from(bad, Map.of())).hasMessageContaining("regime.response");
    }
}
