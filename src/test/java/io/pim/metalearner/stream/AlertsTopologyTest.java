package io.pim.metalearner.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.AlertState;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.alert.AlertType;
import io.pim.metalearner.ops.EmbeddedRegistry;
import io.pim.metalearner.ops.TradeSimulator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Alerts come out of the training step on the alerts topic, once per transition, with the state kept in its store. */
class AlertsTopologyTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void startRegistry() throws Exception {
        registry = EmbeddedRegistry.start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) registry.close();
    }

    @Test
    void aPoorR2IsRaisedOnceOnTheAlertsTopicAndKeptActiveInTheModelWatchStore() throws Exception {
        // given the service, and a simulated stream on which a fresh model predicts poorly at first
        ServiceConfig config = ServiceConfig.of("unused:9092", registry.apiUrl()).withStateDir(stateDir);
        Topics topics = Topics.of(config);
        TradeSimulator simulator = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, 3, TradeSimulator.Scenario.SKILLS, 200);
        try (TopologyTestDriver driver = new TopologyTestDriver(LearningTopology.build(config, topics),
                LearningService.streamsProperties(config), START)) {
            TestInputTopic<String, DecisionVotes> votes = driver.createInputTopic(topics.decisionVotes().name(),
                    topics.decisionVotes().keySerde().serializer(), topics.decisionVotes().valueSerde().serializer());
            TestInputTopic<String, TradeClosed> closes = driver.createInputTopic(topics.tradeClosed().name(),
                    topics.tradeClosed().keySerde().serializer(), topics.tradeClosed().valueSerde().serializer());
            TestOutputTopic<String, Alert> alerts = driver.createOutputTopic(topics.alerts().name(),
                    topics.alerts().keySerde().deserializer(), topics.alerts().valueSerde().deserializer());

            // when 120 trades are trained
            for (int i = 0; i < 120; i++) {
                FeedbackEvents.Pair pair = FeedbackEvents.parse(simulator.next(), START.plusSeconds(i));
                votes.pipeInput(pair.decisionId(), pair.votes());
                closes.pipeInput(pair.decisionId(), pair.close());
            }

            // then the low-R² alert was raised exactly once, at the first step it may be judged
            List<Alert> published = alerts.readValuesToList();
            assertThat(published).filteredOn(a -> a.getType().equals(AlertType.LOW_R2.id()))
                    .singleElement().satisfies(a -> {
                        assertThat(a.getState()).isEqualTo(AlertState.RAISED);
                        assertThat(a.getTrainingStep()).isEqualTo(AlertConfig.defaults().r2MinTrades());
                        assertThat(a.getModelId()).isEqualTo("default");
                        assertThat(a.getThreshold()).isEqualTo(0.3);
                        assertThat(a.getValue()).isLessThan(0.3);
                    });
            // and every other alert type at most raised and cleared alternately, never raised twice in a row
            for (AlertType type : AlertType.values()) {
                List<AlertState> states = published.stream().filter(a -> a.getType().equals(type.id())).map(Alert::getState).toList();
                for (int i = 0; i < states.size(); i++) {
                    assertThat(states.get(i)).isEqualTo(i % 2 == 0 ? AlertState.RAISED : AlertState.CLEARED);
                }
            }
            KeyValueStore<String, byte[]> watches = driver.getKeyValueStore(LearningTopology.MODEL_WATCH_STORE);
            ModelWatch watch = ModelWatch.decode(watches.get("default"), AlertConfig.defaults());
            assertThat(watch.alerts().active()).extracting(e -> e.type()).contains(AlertType.LOW_R2);
            assertThat(watch.curve().points()).hasSize(120);
            assertThat(watch.curve().points().get(119).step()).isEqualTo(120);
        }
    }
}
