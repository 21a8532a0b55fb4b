package io.pim.metalearner.api;

import io.pim.metalearner.learn.race.DieboldMariano;
import io.pim.metalearner.learn.race.ShadowRace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceMetricsTest {

    @Test
    void theRaceOfEachCandidateIsExposedWithItsModelAndCandidateTags() {
        try (ServiceMetrics metrics = new ServiceMetrics()) {
            // given: a step of model m's race, then a later one
            metrics.onRace("m", List.of(new ShadowRace.Standing("m~ridge", 800, 0.0006, 0.0004, 0.15, 0.44, 11.9, 16.7,
                    11.7, new DieboldMariano(800, 0.0002, 2.5, 0.0062))));
            metrics.onRace("m", List.of(new ShadowRace.Standing("m~ridge", 1000, 0.0006, 0.0004, 0.14, 0.44, 11.9, 16.8,
                    11.8, new DieboldMariano(1000, 0.0002, 10.0, 7.1e-24))));

            // when
            String text = metrics.scrape();

            // then: the latest figures, per learner where there are two sides
            assertThat(text).contains("metalearner_race_trades{candidate=\"m~ridge\",model_id=\"m\"} 1000.0")
                    .contains("metalearner_race_dm_statistic{candidate=\"m~ridge\",model_id=\"m\"} 10.0")
                    .contains("metalearner_race_dm_p_value{candidate=\"m~ridge\",model_id=\"m\"} 7.1E-24")
                    .contains("metalearner_race_r2{candidate=\"m~ridge\",learner=\"candidate\",model_id=\"m\"} 0.44")
                    .contains("metalearner_race_r2{candidate=\"m~ridge\",learner=\"live\",model_id=\"m\"} 0.14")
                    .contains("metalearner_race_committee_pnl{candidate=\"m~ridge\",learner=\"uniform\",model_id=\"m\"} 11.8");
        }
    }
}
