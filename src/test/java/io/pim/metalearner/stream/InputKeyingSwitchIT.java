package io.pim.metalearner.stream;

import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.tools.simulate.DeskSimulator;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deployment moved from decision-keyed inputs to model-keyed ones and back, by the steps of
 * OPERATIONS.md ("Input keying"), on a real broker: each model continues at its next step, no step
 * lost or repeated, and a replay of its training partition (offsets, then positions, then offsets)
 * ends at the live fingerprint.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class InputKeyingSwitchIT {
    private static final int MODELS = 2;
    private static final List<String> JOIN_STORES = List.of(LearningTopology.JOIN_STATE_STORE,
            LearningTopology.JOIN_DEADLINES_STORE, LearningTopology.JOIN_COUNTS_STORE);

    @Test
    void aModelsFingerprintContinuesAcrossASwitchOfInputKeyingAndBack(TestKafka kafka, EmbeddedRegistry registry,
                                                                       @TempDir Path state) throws Exception {
        // given: decision-keyed inputs over 3 partitions, 2 training partitions, 8 trades per model trained
        Properties p = ServiceProperties.isolated("keying-switch", kafka, registry.apiUrl(), state);
        p.setProperty("training.partitions", "2");
        p.setProperty("input.partitions", "3");
        ServiceConfig byDecision = ServiceProperties.config(p);
        runAndPublish(kafka, byDecision, 1, 8, 8);

        // when: switched to model-keyed inputs on new input topics (drained, stopped, join changelogs and state dir emptied)
        String app = byDecision.applicationId();
        p.setProperty("input.keying", "model-id");
        p.setProperty("topic.decision-votes", app + ".decision-votes-by-model");
        p.setProperty("topic.trade-closed", app + ".trade-closed-by-model");
        ServiceConfig byModel = ServiceProperties.config(p);
        clearJoinState(byModel, state, false);
        Map<String, List<WeightsUpdated>> afterSwitch = runAndPublish(kafka, byModel, 2, 6, 14);

        // then: steps 1..14 once each per model, and the replay of the mixed partition is the live model
        assertContinues(byModel, afterSwitch, 14);

        // and when: switched back to decision-keyed inputs (the training topic's committed offset moved to its end)
        p.setProperty("input.keying", "decision-id");
        p.setProperty("topic.decision-votes", app + ".decision-votes-again");
        p.setProperty("topic.trade-closed", app + ".trade-closed-again");
        ServiceConfig again = ServiceProperties.config(p);
        clearJoinState(again, state, true);
        Map<String, List<WeightsUpdated>> afterReturn = runAndPublish(kafka, again, 3, 5, 19);

        // then: nothing trained twice, and the replay still ends at the live model
        assertContinues(again, afterReturn, 19);
    }

    /** Starts a service, publishes {@code trades} per model, waits for step {@code steps}, stops it; the committed updates. */
    private static Map<String, List<WeightsUpdated>> runAndPublish(TestKafka kafka, ServiceConfig config, long seed,
                                                                   int trades, int steps) throws Exception {
        Topics topics = Topics.of(config);
        try (LearningService service = ServiceProperties.startRunning(kafka, config)) {
            DeskSimulator desks = new DeskSimulator(LearnerConfig.DEFAULT_ROSTER, seed, TradeSimulator.Scenario.SKILLS,
                    trades * MODELS, MODELS);
            try (TradePublisher publisher = TradePublisher.batch(new KafkaClients(config), topics, 5)) {
                while (desks.hasNext()) publisher.publish(FeedbackEvents.parse(desks.next(), Instant.now()));
                publisher.flush();
            }
            Map<String, List<WeightsUpdated>> byModel = new TreeMap<>();
            Await.until(() -> "step " + steps + " of every model: " + byModel.keySet(), Duration.ofSeconds(180), () -> {
                byModel.clear();
                for (WeightsUpdated u : committed(config, topics)) {
                    byModel.computeIfAbsent(u.getModelId(), m -> new ArrayList<>()).add(u);
                }
                return IntStream.rangeClosed(1, MODELS).allMatch(k -> byModel.getOrDefault(DeskSimulator.modelId(k),
                        List.of()).stream().anyMatch(u -> u.getTrainingStep() == steps));
            });
            return byModel;
        }
    }

    private static void assertContinues(ServiceConfig config, Map<String, List<WeightsUpdated>> byModel, int steps) {
        for (int k = 1; k <= MODELS; k++) {
            String model = DeskSimulator.modelId(k);
            List<WeightsUpdated> updates = byModel.get(model);
            assertThat(updates.stream().map(WeightsUpdated::getTrainingStep).toList()).as(model)
                    .isEqualTo(LongStream.rangeClosed(1, steps).boxed().toList());
            List<Long> sources = updates.stream().map(WeightsUpdated::getSourceOffset).toList();
            assertThat(sources).as(model + ": source offsets only go up").isSortedAccordingTo(Long::compare)
                    .doesNotHaveDuplicates();
            TrainingReplay.Result replay = TrainingReplay.fromTopic(config, config.learner(), model);
            assertThat(replay.records()).as(model).isEqualTo(steps);
            assertThat(replay.learner().fingerprint()).as(model).isEqualTo(updates.get(steps - 1).getFingerprint());
        }
    }

    /**
     * The switch's steps 3 and 4 with the service stopped: the join's changelogs deleted, the state
     * directory emptied, and (back to decision-keyed inputs) the training topic's offset moved to its end.
     */
    private static void clearJoinState(ServiceConfig config, Path state, boolean trainingToEnd) throws Exception {
        String app = config.applicationId();
        try (Admin admin = new KafkaClients(config).admin()) {
            Set<String> changelogs = JOIN_STORES.stream().map(s -> app + "-" + s + "-changelog").collect(Collectors.toSet());
            admin.deleteTopics(changelogs).all().get();
            Await.until(() -> "the join changelogs deleted", Duration.ofSeconds(60),
                    () -> admin.listTopics().names().get().stream().noneMatch(changelogs::contains));
            if (trainingToEnd) {
                String training = Topics.of(config).training().name();
                Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
                for (int partition = 0; partition < config.trainingPartitions(); partition++) {
                    ends.put(new TopicPartition(training, partition), OffsetSpec.latest());
                }
                Map<TopicPartition, OffsetAndMetadata> to = new HashMap<>();
                admin.listOffsets(ends).all().get().forEach((tp, info) -> to.put(tp, new OffsetAndMetadata(info.offset())));
                admin.alterConsumerGroupOffsets(app, to).all().get();
            }
        }
        try (var paths = Files.walk(state)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                if (!path.equals(state)) Files.delete(path);
            }
        }
    }

    /** Every committed weights-updated record now (read_committed, each partition to its end). */
    private static List<WeightsUpdated> committed(ServiceConfig config, Topics topics) {
        List<WeightsUpdated> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topics.weightsUpdated().keySerde().deserializer(), topics.weightsUpdated().valueSerde().deserializer())) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topics.weightsUpdated().name());
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }
}
