package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.avro.DecisionScore;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Decision scores on a real broker and registry, as the committee sees them: a decision's score
 * is on {@code decision-scores} (committed) before its trade has even closed, and the scoring
 * leaves the model exactly what a replay of the training topic, which skips the votes, computes.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class DecisionScoresIT {
    private static final Duration OUTPUT = Duration.ofSeconds(120);

    private static TestKafka kafka;
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void sharedStack(TestKafka sharedKafka, EmbeddedRegistry sharedRegistry) {
        kafka = sharedKafka;
        registry = sharedRegistry;
    }

    @Test
    void eachDecisionIsScoredBeforeItsTradeClosesAndTheLiveModelIsTheReplayedOne() throws Exception {
        // given
        ServiceConfig config = ServiceProperties.config(ServiceProperties.isolated("scores", kafka, registry.apiUrl(), stateDir));
        int n = 15;
        TradeSimulator simulator = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, 3, TradeSimulator.Scenario.SKILLS, n);
        try (LearningService service = new LearningService(config);
             TradePublisher publisher = TradePublisher.batch(new KafkaClients(config), service.topics(), 0)) {
            service.createTopics();
            kafka.awaitLeaders(ServiceProperties.topicNames(config));
            // read every partition of the outputs, so only once they exist
            KafkaConsumer<String, DecisionScore> scores = consumer(config, service.topics().decisionScores());
            KafkaConsumer<String, WeightsUpdated> weights = consumer(config, service.topics().weightsUpdated());
            try (scores; weights) {
                service.start();
                service.awaitRunning(OUTPUT);
                Map<String, DecisionScore> scored = new HashMap<>();
                List<WeightsUpdated> steps = new ArrayList<>();

                for (int i = 1; i <= n; i++) {
                    // when: the committee decides, and only once its score is out does the trade close
                    FeedbackEvents.Pair pair = FeedbackEvents.parse(simulator.next(), Instant.now());
                    publisher.publishVotes(pair).get();
                    Await.until(() -> "the score of " + pair.decisionId(), OUTPUT, () -> {
                        scores.poll(Duration.ofMillis(100)).forEach(r -> scored.put(r.key(), r.value()));
                        return scored.containsKey(pair.decisionId());
                    });
                    Instant closing = Instant.now();
                    publisher.publishClose(pair).get();
                    int expected = i;
                    Await.until(() -> "step " + expected, OUTPUT, () -> {
                        weights.poll(Duration.ofMillis(100)).forEach(r -> steps.add(r.value()));
                        return steps.size() >= expected;
                    });

                    // then: scored after the previous step, by that step's state, and trained on in the next
                    DecisionScore s = scored.get(pair.decisionId());
                    assertThat(s.getTrainingStep()).isEqualTo(i - 1);
                    assertThat(s.getFingerprint()).isEqualTo(i == 1 ? Learner.create(config.learner()).fingerprint()
                            : steps.get(i - 2).getFingerprint());
                    assertThat(steps.get(i - 1).getDecisionId()).isEqualTo(pair.decisionId());
                    assertThat(s.getTimestamp()).isBeforeOrEqualTo(closing);
                }

                // and the live model, scored all along, is the replay of the training topic (which skips the votes)
                TrainingReplay.Result replay = TrainingReplay.fromTopic(config, config.learner(), config.defaultModelId());
                assertThat(replay.records()).isEqualTo(n);
                assertThat(replay.learner().fingerprint()).isEqualTo(steps.get(n - 1).getFingerprint());
                assertThat(service.counts().scored()).isEqualTo(n);
                assertThat(service.counts().reconciles()).isTrue();
            }
        }
    }

    private static <V> KafkaConsumer<String, V> consumer(ServiceConfig config, Topic<String, V> topic) {
        KafkaConsumer<String, V> consumer = new KafkaClients(config).consumer("scores-test-" + topic.name(),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topic.name());
        return consumer;
    }
}
