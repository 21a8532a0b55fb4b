package io.pim.metalearner.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pim.metalearner.learn.alert.AlertConfig;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ServiceConfigAlertsTest {

    @Test
    void alertThresholdsDefaultToTheDetectorsDefaultsAndCanBeSetByKeyOrEnvironment() {
        // given
        Properties p = base();
        p.setProperty("alert.r2.raise", "0.2");
        p.setProperty("alert.r2.clear", "0.25");

        // when
        ServiceConfig config = ServiceConfig.from(p, Map.of("METALEARNER_ALERT_DRIFT_THRESHOLD", "0.1"));

        // then
        AlertConfig defaults = AlertConfig.defaults();
        assertThat(config.alerts().r2Raise()).isEqualTo(0.2);
        assertThat(config.alerts().r2Clear()).isEqualTo(0.25);
        assertThat(config.alerts().driftThreshold()).isEqualTo(0.1);
        assertThat(config.alerts().lossWindow()).isEqualTo(defaults.lossWindow());
        assertThat(config.alerts().driftAlpha()).isEqualTo(defaults.driftAlpha());
    }

    @Test
    void badAlertValuesFailTheStartNamingTheKey() {
        Properties notANumber = base();
        notANumber.setProperty("alert.loss.rise-ratio", "high");
        Properties inverted = base();
        inverted.setProperty("alert.loss.rise-ratio", "1.05");

        assertThatThrownBy(() -> ServiceConfig.from(notANumber, Map.of()))
                .hasMessageContaining("alert.loss.rise-ratio").hasMessageContaining("high");
        assertThatThrownBy(() -> ServiceConfig.from(inverted, Map.of()))
                .hasMessageContaining("lossRiseRatio/lossClearRatio").hasMessageContaining("rise > clear");
    }

    private static Properties base() {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", "localhost:9092");
        p.setProperty("registry.url", "http://localhost:8080/apis/registry/v3");
        return p;
    }
}
