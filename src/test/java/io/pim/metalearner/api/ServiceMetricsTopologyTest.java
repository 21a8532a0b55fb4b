package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.TopologyFixture;
import io.pim.metalearner.testing.Trades;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import java.nio.file.Path;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's metrics fed by the topology as it runs (TopologyTestDriver): counters of what the
 * processors did, per-model series that leave with the model's task, histograms in buckets.
 */
@ExtendWith(RegistryExtension.class)
class ServiceMetricsTopologyTest {
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    @Test
    void countersCountWhatTheProcessorsDidAndAModelsSeriesLeaveWithItsTask() {
        try (ServiceMetrics metrics = new ServiceMetrics()) {
            TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir), metrics);
            String text;
            try (fixture) {
                Topics topics = fixture.topics();
                TestInputTopic<String, DecisionVotes> votes = fixture.input(topics.decisionVotes());
                TestInputTopic<String, TradeClosed> closes = fixture.input(topics.tradeClosed());

                // given two models that train a step each, and a close with a negative price
                for (String model : new String[] {"desk-a", "desk-b"}) {
                    DecisionVotes v = Trades.votes(model + "-1");
                    v.setModelId(model);
                    votes.pipeInput(v.getDecisionId(), v);
                    closes.pipeInput(model + "-1", Trades.close(model + "-1"));
                }
                closes.pipeInput("bad-1", Trades.close("bad-1", 150.0, -1.0));

                // when
                text = metrics.scrape();

                // then the counters hold what this process did, each model has its series, the step time its buckets
                assertThat(text).contains("metalearner_trained_total 2.0")
                        .contains("metalearner_trades_in_total 3.0")
                        .contains("metalearner_votes_in_total 2.0")
                        .contains("metalearner_dead_letters_total{reason=\"non-positive-price\"} 1.0")
                        .contains("metalearner_dead_letters_total{reason=\"duplicate\"} 0.0")
                        .contains("metalearner_training_step{model_id=\"desk-a\"} 1.0")
                        .contains("metalearner_training_step{model_id=\"desk-b\"} 1.0")
                        .contains("metalearner_committee_pnl{model_id=\"desk-a\",weights=\"learned\"}")
                        .contains("metalearner_committee_pnl{model_id=\"desk-a\",weights=\"uniform\"}")
                        // each trade was scored at its vote: the decision-time figures are there too
                        .contains("metalearner_decision_committee_pnl{model_id=\"desk-a\",weights=\"learned\"}")
                        .contains("metalearner_decision_loss{model_id=\"desk-b\"}")
                        .contains("metalearner_trained_unscored_total 0.0")
                        .contains("metalearner_step_time_seconds_bucket{le=\"+Inf\"} 2")
                        .contains("metalearner_step_time_seconds_count 2")
                        .doesNotContain("quantile=");
            }

            // when the task closes (its partition moves away, or the instance stops)
            text = metrics.scrape();

            // then no series of its models remains, and the counters keep what was done
            assertThat(text).doesNotContain("model_id=")
                    .contains("metalearner_trained_total 2.0")
                    .contains("metalearner_dead_letters_total{reason=\"non-positive-price\"} 1.0");
        }
    }

    @Test
    void theJvmAndTheProcessAreReported() {
        try (ServiceMetrics metrics = new ServiceMetrics()) {
            assertThat(metrics.scrape()).contains("jvm_memory_used_bytes{").contains("jvm_gc_")
                    .contains("jvm_threads_live_threads").contains("process_cpu_usage").contains("process_uptime_seconds");
        }
    }
}
