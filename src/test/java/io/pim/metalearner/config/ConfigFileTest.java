package io.pim.metalearner.config;

import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigFileTest {
    private static final ConfigDef DEFINITION = ConfigParts.kafka(new ConfigDef());

    @Test
    void passThroughKeysComeFromTheFileAndTheEnvironment() {
        // given
        Properties file = new Properties();
        file.setProperty("bootstrap.servers", "kafka:9093");
        file.setProperty("kafka.security.protocol", "SASL_SSL");

        // when
        Map<String, String> values = ConfigFile.merge(file, Map.of(
                "METALEARNER_KAFKA_SASL_JAAS_CONFIG", "secret-jaas", "UNRELATED", "x"), DEFINITION, List.of("kafka."));

        // then
        assertThat(values).containsEntry("kafka.security.protocol", "SASL_SSL")
                .containsEntry("kafka.sasl.jaas.config", "secret-jaas").doesNotContainKey("UNRELATED");
    }

    @Test
    void anUnknownKeyIsRefusedNamingTheKnownOnesAndThePassThroughPrefixes() {
        Properties file = new Properties();
        file.setProperty("bootstrap.server", "kafka:9093");

        assertThatThrownBy(() -> ConfigFile.merge(file, Map.of(), DEFINITION, List.of("kafka.")))
                .hasMessageContaining("unknown config key 'bootstrap.server'")
                .hasMessageContaining("bootstrap.servers").hasMessageContaining("kafka.*");
    }

    @Test
    void durationsAreWrittenOneWay() {
        assertThat(Durations.parse("20ms")).isEqualTo(Duration.ofMillis(20));
        assertThat(Durations.parse("30d")).isEqualTo(Duration.ofDays(30));
        assertThat(Durations.parse("PT5M")).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> Durations.parse("0s")).hasMessageContaining("positive duration");
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("30s");
    }
}
