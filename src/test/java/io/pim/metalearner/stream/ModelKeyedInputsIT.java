package io.pim.metalearner.stream;

import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.DeadLetters;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.ModelPartitions;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestProducers;
import io.pim.metalearner.testing.Trades;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.tools.simulate.DeskSimulator;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
import java.util.TreeMap;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inputs keyed by model id on a real broker and registry: a close is joined and trained in one
 * task (one transaction), each model's steps come once and in order from its own partition, the
 * training topic as written replays to the live fingerprint, a candidate installed from a replay
 * is caught up (and one that is not is refused as stale), and records that break the contract are
 * dead-lettered with their reasons.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class ModelKeyedInputsIT {
    private static final int PARTITIONS = 3;
    private static final int MODELS = 4;
    private static final int TRADES_PER_MODEL = 15;

    @Test
    void modelKeyedTradesTrainOnceInOrderReplayToTheLiveModelAndBadRecordsAreDeadLettered(
            TestKafka kafka, EmbeddedRegistry registry, @TempDir Path state) throws Exception {
        // given: a service whose inputs are keyed by model, over 3 partitions
        Properties p = ServiceProperties.isolated("model-keyed", kafka, registry.apiUrl(), state);
        p.setProperty("training.partitions", Integer.toString(PARTITIONS));
        p.setProperty("input.keying", "model-id");
        ServiceConfig config = ServiceProperties.config(p);
        Topics topics = Topics.of(config);

        try (LearningService service = ServiceProperties.startRunning(kafka, config)) {
            // when: our publisher sends 4 desks' trades (keyed by model), and a producer breaks the contract twice
            publish(config, topics, 7, MODELS * TRADES_PER_MODEL);
            try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(TestProducers.config(kafka.bootstrapServers()),
                    new StringSerializer(), new ByteArraySerializer())) {
                TradeClosed noModel = Trades.close("bad-1");
                TestProducers.sendAndWait(raw, new ProducerRecord<>(topics.tradeClosed().name(), "default",
                        topics.tradeClosed().valueSerde().serializer().serialize(topics.tradeClosed().name(), noModel)));
                DecisionVotes byDecision = Trades.votes("bad-2");
                TestProducers.sendAndWait(raw, new ProducerRecord<>(topics.decisionVotes().name(), "bad-2",
                        topics.decisionVotes().valueSerde().serializer().serialize(topics.decisionVotes().name(), byDecision)));
            }

            // then: per model, steps 1..n once each, in order, from the training topic's partition of the model
            Map<String, List<WeightsUpdated>> byModel = awaitSteps(config, topics, TRADES_PER_MODEL);
            for (int k = 1; k <= MODELS; k++) {
                String model = DeskSimulator.modelId(k);
                List<WeightsUpdated> updates = byModel.get(model);
                assertThat(updates.stream().map(WeightsUpdated::getTrainingStep).toList()).as(model)
                        .isEqualTo(LongStream.rangeClosed(1, TRADES_PER_MODEL).boxed().toList());
                assertThat(updates).as(model).allMatch(u -> u.getSourceTopic().equals(topics.training().name())
                        && u.getSourcePartition() == ModelPartitions.of(model, PARTITIONS));
                // and the training topic, as written in the step's transaction, replays to the live learner
                TrainingReplay.Result replay = TrainingReplay.fromTopic(config, config.learner(), model);
                assertThat(replay.learner().fingerprint()).as(model).isEqualTo(updates.get(updates.size() - 1).getFingerprint());
                assertThat(replay.records()).as(model).isEqualTo(TRADES_PER_MODEL);
            }
            Await.until(() -> "the two dead letters", Duration.ofSeconds(120),
                    () -> committed(config, topics.deadLetter()).size() >= 2);
            assertThat(committed(config, topics.deadLetter())).extracting(DeadLetter::getReason)
                    .containsExactlyInAnyOrder(DeadLetters.MODEL_MISSING, DeadLetters.KEY_MISMATCH);

            // and when: a candidate caught up from the topic is installed; one caught up only to position 1 is not
            String model = DeskSimulator.modelId(1);
            Learner candidate = Learner.create(config.learner());
            TrainingReplay.Result round = TrainingReplay.candidate(config, candidate, model, 0, TrainingReplay.Progress.NONE);
            assertThat(round.records()).isEqualTo(TRADES_PER_MODEL);
            try (CommandClient ops = new CommandClient(config, "test")) {
                CommandResult stale = ops.send(CommandClient.installCandidate(model + "~late", model,
                        LearnerCodec.encode(candidate), 1), Duration.ofSeconds(120));
                assertThat(stale.getApplied()).isFalse();
                assertThat(stale.getReason()).isEqualTo("stale-candidate");
                CommandResult installed = ops.send(CommandClient.installCandidate(model + "~replayed", model,
                        LearnerCodec.encode(candidate), round.caughtUp()), Duration.ofSeconds(120));
                assertThat(installed.getApplied()).as(String.valueOf(installed.getDetail())).isTrue();
            }

            // then: after more trades the live model, with its commands, still equals the replay
            publish(config, topics, 8, MODELS * 5);
            Map<String, List<WeightsUpdated>> after = awaitSteps(config, topics, TRADES_PER_MODEL + 5);
            List<WeightsUpdated> updates = after.get(model);
            TrainingReplay.Result replay = TrainingReplay.fromTopic(config, config.learner(), model);
            assertThat(replay.learner().fingerprint()).isEqualTo(updates.get(updates.size() - 1).getFingerprint());
            TrainingReplay.Result candidateReplay = TrainingReplay.fromTopic(config, config.learner(), model + "~replayed");
            List<WeightsUpdated> candidateUpdates = after.get(model + "~replayed");
            assertThat(candidateUpdates).as("the installed candidate learns beside its model").isNotEmpty();
            assertThat(candidateReplay.learner().fingerprint())
                    .isEqualTo(candidateUpdates.get(candidateUpdates.size() - 1).getFingerprint());
        }
    }

    @Test
    void theEmbeddedBrokerRunsTransactionsVersion2(TestKafka kafka) throws Exception {
        // KIP-890's second phase: the broker adds partitions to a transaction itself, no AddPartitionsToTxn round trip
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            FinalizedVersionRange version = admin.describeFeatures().featureMetadata().get()
                    .finalizedFeatures().get("transaction.version");
            assertThat(version).as("transaction.version is finalized").isNotNull();
            assertThat(version.maxVersionLevel()).isEqualTo((short) 2);
        }
    }

    private static void publish(ServiceConfig config, Topics topics, long seed, int trades) throws Exception {
        DeskSimulator desks = new DeskSimulator(LearnerConfig.DEFAULT_ROSTER, seed, TradeSimulator.Scenario.SKILLS,
                trades, MODELS);
        try (TradePublisher publisher = TradePublisher.batch(new KafkaClients(config), topics, 5)) {
            while (desks.hasNext()) publisher.publish(FeedbackEvents.parse(desks.next(), Instant.now()));
            publisher.flush();
        }
    }

    private static Map<String, List<WeightsUpdated>> awaitSteps(ServiceConfig config, Topics topics, int steps)
            throws Exception {
        Map<String, List<WeightsUpdated>> byModel = new TreeMap<>();
        Await.until(() -> "every model's " + steps + " steps: " + byModel.keySet(), Duration.ofSeconds(180), () -> {
            byModel.clear();
            for (WeightsUpdated u : committed(config, topics.weightsUpdated())) {
                if (u.getDecisionId().startsWith(LearningTopology.COMMAND_DECISION_PREFIX)) continue;
                byModel.computeIfAbsent(u.getModelId(), m -> new ArrayList<>()).add(u);
            }
            return LongStream.rangeClosed(1, MODELS).allMatch(k -> byModel.getOrDefault(DeskSimulator.modelId((int) k),
                    List.of()).size() >= steps);
        });
        return byModel;
    }

    /** Every committed value of the topic now (read_committed, each partition to its end). */
    private static <V> List<V> committed(ServiceConfig config, Topic<?, V> topic) {
        List<V> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topic.name());
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }
}
