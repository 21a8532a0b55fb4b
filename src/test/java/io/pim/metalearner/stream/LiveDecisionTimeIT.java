package io.pim.metalearner.stream;

import io.pim.metalearner.avro.DecisionScore;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.offline.TrainingRun;
import io.pim.metalearner.offline.Utf8Lines;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TimedTrades;
import io.pim.metalearner.testing.TimedTrades.Trade;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Offline = live on a real broker and registry: trades with overlapping holds and several symbols
 * per instant, published as a desk lives them (at each instant the closes, then the decisions), give
 * on {@code weights-updated} exactly the decision-time figures {@code learn} computes from the same
 * trades in a file.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class LiveDecisionTimeIT {
    private static final Duration OUTPUT = Duration.ofSeconds(120);

    private static TestKafka kafka;
    private static EmbeddedRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void sharedStack(TestKafka sharedKafka, EmbeddedRegistry sharedRegistry) {
        kafka = sharedKafka;
        registry = sharedRegistry;
    }

    @Test
    void theStreamPublishesTheFiguresEvaluateComputesOffline() throws Exception {
        // given 4 symbols decided at each day's instant and held 3 days, by two agents without skill
        List<Trade> trades = TimedTrades.commonFactorMarket(9, 40, 4, 3);
        Properties settings = ServiceProperties.isolated("decision-time", kafka, registry.apiUrl(), dir.resolve("state"));
        settings.setProperty("roster", "A,B");
        ServiceConfig config = ServiceProperties.config(settings);
        // instant → the trades decided and closed then, in file order
        TreeMap<Instant, List<Trade>> decided = new TreeMap<>(), closed = new TreeMap<>();
        for (Trade t : trades) {
            decided.computeIfAbsent(t.decidedAt(), k -> new ArrayList<>()).add(t);
            closed.computeIfAbsent(t.closedAt(), k -> new ArrayList<>()).add(t);
        }
        TreeSet<Instant> instants = new TreeSet<>(decided.keySet());
        instants.addAll(closed.keySet());

        Map<String, WeightsUpdated> steps = new HashMap<>();
        WeightsUpdated[] last = new WeightsUpdated[1];
        try (LearningService service = new LearningService(config);
             TradePublisher publisher = TradePublisher.batch(new KafkaClients(config), service.topics(), 0)) {
            service.createTopics();
            kafka.awaitLeaders(ServiceProperties.topicNames(config));
            KafkaConsumer<String, DecisionScore> scores = consumer(config, service.topics().decisionScores());
            KafkaConsumer<String, WeightsUpdated> weights = consumer(config, service.topics().weightsUpdated());
            try (scores; weights) {
                service.start();
                service.awaitRunning(OUTPUT);
                Map<String, DecisionScore> scored = new HashMap<>();

                // when: at each instant the closes, one at a time (the inputs' partitions do not order them), then
                // the decisions, the next instant only once the stream has trained and scored them
                for (Instant at : instants) {
                    for (Trade t : closed.getOrDefault(at, List.of())) {
                        publisher.publishClose(pair(t)).get();
                        Await.until(() -> "the step of " + t.decisionId(), OUTPUT, () -> {
                            weights.poll(Duration.ofMillis(50)).forEach(r -> {
                                steps.put(r.value().getDecisionId(), r.value());
                                last[0] = r.value();
                            });
                            return steps.containsKey(t.decisionId());
                        });
                    }
                    List<Trade> decisions = decided.getOrDefault(at, List.of());
                    for (Trade t : decisions) publisher.publishVotes(pair(t)).get();
                    Await.until(() -> "the scores of " + at, OUTPUT, () -> {
                        scores.poll(Duration.ofMillis(50)).forEach(r -> scored.put(r.key(), r.value()));
                        return decisions.stream().allMatch(t -> scored.containsKey(t.decisionId()));
                    });
                }
                assertThat(service.counts().trainedUnscored()).isZero();
            }
        }

        // then: the same trades offline, in decision time
        Path file = TimedTrades.write(dir.resolve("trades.jsonl"), trades, true);
        Map<String, StepResult> offline = new HashMap<>();
        Metrics figures;
        try (InputStream in = Files.newInputStream(file); Utf8Lines lines = new Utf8Lines(in)) {
            TrainingRun.Outcome outcome = TrainingRun.run("evaluate", Learner.create(config.learner()), lines,
                    new PrintWriter(new StringWriter()), (trade, step, f) -> offline.put(trade.decisionId(), step));
            assertThat(outcome.order()).isEqualTo(TrainingRun.Order.DECISION_TIME);
            figures = outcome.figures();
        }
        assertThat(steps).hasSize(trades.size());
        for (Trade t : trades) {
            WeightsUpdated live = steps.get(t.decisionId());
            StepResult o = offline.get(t.decisionId());
            assertThat(live.getTrainingStep()).as(t.decisionId()).isEqualTo(o.step());
            assertThat(live.getDecisionPredictedReturn()).as(t.decisionId()).isEqualTo((double) o.predictedReturn());
            assertThat(live.getDecisionRollingLoss()).as(t.decisionId()).isCloseTo(o.rollingLoss(), within(1e-15));
        }
        WeightsUpdated end = last[0];
        assertThat(end.getTrainingStep()).isEqualTo(trades.size());
        assertThat(end.getDecisionCommitteePnlLearned()).isCloseTo(figures.committeePnlLearned(), within(1e-9));
        assertThat(end.getDecisionCommitteePnlUniform()).isCloseTo(figures.committeePnlUniform(), within(1e-9));
        assertThat(end.getDecisionRollingR2()).isCloseTo(figures.rollingR2(), within(1e-12));
        assertThat(end.getDecisionRollingDirectionAccuracy()).isEqualTo(figures.rollingDirectionAccuracy());
    }

    private static FeedbackEvents.Pair pair(Trade t) throws FeedbackEvents.Unmappable {
        return FeedbackEvents.parse(t.json(true), Instant.now());
    }

    private static <V> KafkaConsumer<String, V> consumer(ServiceConfig config, Topic<String, V> topic) {
        KafkaConsumer<String, V> consumer = new KafkaClients(config).consumer("decision-time-test-" + topic.name(),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        TestConsumers.fromStart(consumer, topic.name());
        return consumer;
    }
}
