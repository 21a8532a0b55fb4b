package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.ModelPartitions;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.tools.simulate.DeskSimulator;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The training topic in several partitions on a real broker and registry: many models spread over
 * the partitions, each still one strictly ordered learner (steps 1..n once each, in order) whose
 * live fingerprint equals an offline replay of its own partition.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class PartitionedTrainingIT {
    private static final int PARTITIONS = 3;
    private static final int MODELS = 5;
    private static final int TRADES_PER_MODEL = 20;

    @Test
    void eachModelTrainsEachStepOnceInOrderInItsOwnPartitionAndMatchesItsReplay(TestKafka kafka, EmbeddedRegistry registry,
                                                                                 @TempDir Path state) throws Exception {
        // given: a service with 3 training partitions and trades of 5 simulated desks
        Properties p = ServiceProperties.isolated("partitioned", kafka, registry.apiUrl(), state);
        p.setProperty("training.partitions", Integer.toString(PARTITIONS));
        p.setProperty("input.partitions", "2");
        ServiceConfig config = ServiceProperties.config(p);
        Topics topics = Topics.of(config);
        Set<Integer> used = new TreeSet<>();
        for (int k = 1; k <= MODELS; k++) used.add(ModelPartitions.of(DeskSimulator.modelId(k), PARTITIONS));
        assertThat(used).as("the desks' partitions").hasSizeGreaterThan(1);

        try (LearningService service = new LearningService(config)) {
            service.createTopics();
            kafka.awaitLeaders(ServiceProperties.topicNames(config));
            service.start();
            service.awaitRunning(Duration.ofSeconds(180));

            // when
            DeskSimulator desks = new DeskSimulator(LearnerConfig.DEFAULT_ROSTER, 7, TradeSimulator.Scenario.SKILLS,
                    MODELS * TRADES_PER_MODEL, MODELS);
            try (TradePublisher publisher = TradePublisher.batch(new KafkaClients(config), topics, 5)) {
                while (desks.hasNext()) publisher.publish(FeedbackEvents.parse(desks.next(), Instant.now()));
                publisher.flush();
            }
            Map<String, List<WeightsUpdated>> byModel = new TreeMap<>();
            Await.until(() -> "every model's " + TRADES_PER_MODEL + " steps: " + steps(byModel), Duration.ofSeconds(180), () -> {
                byModel.clear();
                for (WeightsUpdated u : committed(config, topics.weightsUpdated().name())) {
                    byModel.computeIfAbsent(u.getModelId(), m -> new ArrayList<>()).add(u);
                }
                return byModel.size() == MODELS
                        && byModel.values().stream().allMatch(u -> u.size() >= TRADES_PER_MODEL);
            });

            // then: per model, steps 1..n exactly once and in order, all from the model's own training partition
            for (int k = 1; k <= MODELS; k++) {
                String model = DeskSimulator.modelId(k);
                List<WeightsUpdated> updates = byModel.get(model);
                assertThat(updates.stream().map(WeightsUpdated::getTrainingStep).toList()).as(model)
                        .isEqualTo(LongStream.rangeClosed(1, TRADES_PER_MODEL).boxed().toList());
                assertThat(updates).as(model).allMatch(u -> u.getSourcePartition() == ModelPartitions.of(model, PARTITIONS));
                // and the live learner equals the offline replay of its partition
                String live = updates.get(updates.size() - 1).getFingerprint();
                TrainingReplay.Result replay = TrainingReplay.fromTopic(config, config.learner(), model);
                assertThat(replay.learner().fingerprint()).as(model).isEqualTo(live);
                assertThat(replay.records()).as(model).isEqualTo(TRADES_PER_MODEL);
            }
        }
    }

    private static String steps(Map<String, List<WeightsUpdated>> byModel) {
        Map<String, Integer> counts = new TreeMap<>();
        byModel.forEach((m, u) -> counts.put(m, u.size()));
        return counts.toString();
    }

    /** Every committed record of the topic now (read_committed, each partition to its end), values only. */
    private static List<WeightsUpdated> committed(ServiceConfig config, String topic) {
        Topics topics = Topics.of(config);
        List<WeightsUpdated> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topics.weightsUpdated().keySerde().deserializer(), topics.weightsUpdated().valueSerde().deserializer())) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topic);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }
}
