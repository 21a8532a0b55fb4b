package io.pim.metalearner.sink;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WriterConfigTest {

    private static Properties complete() {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", "localhost:9092");
        p.setProperty("registry.url", "http://localhost:8080/apis/registry/v3");
        p.setProperty("jdbc.url", "jdbc:postgresql://localhost:5432/metalearner");
        p.setProperty("jdbc.user", "metalearner");
        return p;
    }

    @Test
    void aCompleteFileGivesDefaultsForTopicsAndGroup() {
        WriterConfig config = WriterConfig.from(complete(), Map.of());

        assertThat(config.topics()).isEqualTo(WriterConfig.Topics.DEFAULT);
        assertThat(config.groupId()).isEqualTo("metalearner-writer");
    }

    @Test
    void theSampleFileInDeployLoads() throws Exception {
        WriterConfig config = WriterConfig.load(java.nio.file.Path.of("deploy/writer.properties"));

        assertThat(config.database().jdbcUrl()).startsWith("jdbc:postgresql://");
        assertThat(config.topics()).isEqualTo(WriterConfig.Topics.DEFAULT);
    }

    @Test
    void migrateNeedsOnlyTheJdbcKeys() {
        Properties p = new Properties();
        p.setProperty("jdbc.url", "jdbc:postgresql://localhost:5432/metalearner");

        WriterConfig.Database database = WriterConfig.databaseFrom(p, Map.of("METALEARNER_JDBC_PASSWORD", "from-env"));

        assertThat(database.password()).isEqualTo("from-env");
        assertThat(database.toString()).doesNotContain("from-env");
    }

    @Test
    void aMissingKeyIsNamedWithItsEnvironmentVariable() {
        Properties p = complete();
        p.remove("jdbc.url");

        assertThatThrownBy(() -> WriterConfig.from(p, Map.of()))
                .hasMessageContaining("'jdbc.url'").hasMessageContaining("METALEARNER_JDBC_URL");
    }

    @Test
    void aMisspelledKeyIsRefusedRatherThanIgnored() {
        Properties p = complete();
        p.setProperty("jdbc.pasword", "secret");

        assertThatThrownBy(() -> WriterConfig.from(p, Map.of())).hasMessageContaining("'jdbc.pasword'");
    }

    @Test
    void aNonPostgresUrlIsRefusedNamingTheKey() {
        Properties p = complete();
        p.setProperty("jdbc.url", "jdbc:mysql://localhost/x");

        assertThatThrownBy(() -> WriterConfig.from(p, Map.of())).hasMessageContaining("jdbc.url").hasMessageContaining("must be a PostgreSQL JDBC URL");
    }

    @Test
    void theEnvironmentOverridesTheFileAndConsumerKeysPassThrough() {
        Properties p = complete();
        p.setProperty("consumer.max.poll.records", "500");

        WriterConfig config = WriterConfig.from(p, Map.of("METALEARNER_JDBC_PASSWORD", "from-env",
                "METALEARNER_TOPIC_TRAINING_LOG", "training-log-v2"));

        assertThat(config.jdbcPassword()).isEqualTo("from-env");
        assertThat(config.topics().trainingLog()).isEqualTo("training-log-v2");
        assertThat(config.consumerOverrides()).containsEntry("max.poll.records", "500");
        assertThat(config.toString()).doesNotContain("from-env");
    }
}
