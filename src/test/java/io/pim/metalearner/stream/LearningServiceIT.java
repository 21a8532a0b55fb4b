package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.AvroTrades;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.avro.AgentVote;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestProducers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service end to end on a real in-JVM KRaft broker and a real Apicurio registry: a simulated
 * stream with early closes, duplicates and garbage trains exactly once per valid trade, in order,
 * and the live learner equals an offline replay of the training topic, also across restarts.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class LearningServiceIT {
    /** A bound on reading a stream's output: far beyond what it needs, even on a busy machine. */
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

    /** A config with its own topics and application id, so the tests share the cluster but not data. */
    private ServiceConfig config(String name) {
        return ServiceProperties.config(ServiceProperties.isolated(name, kafka, registry.apiUrl(), stateDir));
    }

    /** Creates the service's topics as it does on start, and waits until a producer can use them. */
    private static void createTopics(LearningService service) throws Exception {
        service.createTopics();
        kafka.awaitLeaders(ServiceProperties.topicNames(service.config()));
    }

    /** What was published, and what the service should make of it. */
    record Published(List<String> trainable, Map<String, String> badByKey, int records) {
    }

    /**
     * Publishes {@code n} simulated trades, votes first then the close, except: ~5% closes before
     * their votes, ~2% closes sent twice, ~1% garbage records (half undecodable bytes, half closes
     * with a non-positive price, whose votes then wait for a close that never comes). Fails at
     * once if the broker did not take a record.
     */
    private Published publish(ServiceConfig config, Topics topics, int n, long seed) {
        Random random = new Random(seed);
        TradeSimulator simulator = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, seed, TradeSimulator.Scenario.SKILLS, n);
        List<String> trainable = new ArrayList<>();
        Map<String, String> bad = new LinkedHashMap<>();
        int records = 0;
        Map<String, Object> producerConfig = TestProducers.config(config.bootstrapServers());
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (var producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
            TestProducers.Sends<byte[], byte[]> sends = TestProducers.checked(producer);
            for (int i = 0; i < n; i++) {
                Trade trade = FeedbackJson.parse(simulator.next());
                String id = trade.decisionId();
                byte[] key = id.getBytes(StandardCharsets.UTF_8);
                byte[] votes = topics.decisionVotes().valueSerde().serializer()
                        .serialize(topics.decisionVotes().name(), votes(trade));
                TradeClosed closed = close(trade);
                double roll = random.nextDouble();
                if (roll < 0.005) {
                    closed.setEntryPrice(-closed.getEntryPrice());
                    bad.put(id + "#close", "non-positive-price");
                } else if (roll < 0.01) {
                    String garbageKey = "garbage-" + i;
                    byte[] garbage = new byte[1 + random.nextInt(40)];
                    random.nextBytes(garbage);
                    garbage[0] = (byte) (random.nextBoolean() ? 0 : 0x7b); // framed-looking or JSON-looking
                    sends.send(new ProducerRecord<>(random.nextBoolean() ? config.topics().tradeClosed()
                            : config.topics().decisionVotes(), garbageKey.getBytes(StandardCharsets.UTF_8), garbage));
                    records++;
                    bad.put(garbageKey, "unreadable");
                }
                byte[] close = topics.tradeClosed().valueSerde().serializer().serialize(topics.tradeClosed().name(), closed);
                var votesRecord = new ProducerRecord<>(config.topics().decisionVotes(), key, votes);
                var closeRecord = new ProducerRecord<>(config.topics().tradeClosed(), key, close);
                boolean early = random.nextDouble() < 0.05;
                sends.send(early ? closeRecord : votesRecord);
                sends.send(early ? votesRecord : closeRecord);
                records += 2;
                if (!bad.containsKey(id + "#close")) {
                    trainable.add(id);
                    if (random.nextDouble() < 0.02) {
                        sends.send(closeRecord);
                        records++;
                        bad.put(id + "#duplicate", "duplicate");
                    }
                }
            }
            sends.awaitAll();
        }
        return new Published(trainable, bad, records);
    }

    private static DecisionVotes votes(Trade t) {
        Map<String, AgentVote> votes = new LinkedHashMap<>();
        for (Map.Entry<String, Vote> e : t.votes().entrySet()) {
            votes.put(e.getKey(), AgentVote.newBuilder()
                    .setDirection(io.pim.metalearner.avro.Direction.valueOf(e.getValue().direction().name()))
                    .setConfidence(e.getValue().confidence()).setPositionSize(e.getValue().positionSize()).build());
        }
        return DecisionVotes.newBuilder().setDecisionId(t.decisionId()).setWorkflowId("wf").setSymbol(t.symbol())
                .setAction(t.action()).setDecidedAt(Instant.now()).setModelId(null).setAgentVotes(votes).build();
    }

    private static TradeClosed close(Trade t) {
        return TradeClosed.newBuilder().setDecisionId(t.decisionId()).setSymbol(t.symbol())
                .setEntryPrice(t.entryPrice()).setExitPrice(t.exitPrice()).setActualProfit(0).setHoldDuration(1)
                .setClosedAt(Instant.now()).build();
    }

    /** Everything committed on a topic, read_committed, until {@code done} holds or the timeout. */
    private static <K, V> List<ConsumerRecord<K, V>> readUntil(ServiceConfig config, Topic<K, V> topic,
                                                               Predicate<List<ConsumerRecord<K, V>>> done,
                                                               Duration timeout) {
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topic.name());
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(out) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Everything committed on a topic now: read_committed, up to each partition's last stable offset. */
    /** The first {@code n} joined pairs on the training topic, without the votes copied there to be scored. */
    @SuppressWarnings("unchecked")
    private static List<ConsumerRecord<String, TrainingExample>> examples(ServiceConfig config, Topics topics, int n) {
        var records = readUntil(config, topics.trainingRecords(),
                r -> r.stream().filter(x -> x.value() instanceof TrainingExample).count() >= n, OUTPUT);
        return records.stream().filter(r -> r.value() instanceof TrainingExample)
                .map(r -> (ConsumerRecord<String, TrainingExample>) (ConsumerRecord<String, ?>) r).toList();
    }

    private static <K, V> List<ConsumerRecord<K, V>> readToEnd(ServiceConfig config, Topic<K, V> topic) throws Exception {
        return readToEnd(config, topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }

    private static <K, V> List<ConsumerRecord<K, V>> readToEnd(ServiceConfig config, String topic, Deserializer<K> keys,
                                                               Deserializer<V> values) throws Exception {
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), keys, values)) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topic);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Await.until(() -> "reading " + topic + " to its end " + end + ", " + out.size() + " records so far", OUTPUT,
                    () -> {
                        if (partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p))) return true;
                        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                        return false;
                    });
        }
        return out;
    }

    /**
     * Waits until the service has committed its consumption of every record on the training topic.
     * It commits its outputs in the same transaction, so from then on every step it will ever take
     * for those records, a repeated one included, is on the weights-updated topic.
     */
    private static void awaitTrainingCommitted(ServiceConfig config, Topics topics) throws Exception {
        Map<TopicPartition, Long> next = new HashMap<>();
        // as bytes: ops commands travel on the training topic too
        for (var record : readToEnd(config, topics.training().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            next.merge(new TopicPartition(record.topic(), record.partition()), record.offset() + 1, Math::max);
        }
        Map<TopicPartition, Long> committed = new HashMap<>();
        try (Admin admin = kafka.admin()) {
            Await.until(() -> "the service committing the training topic up to " + next + "; committed: " + committed, OUTPUT, () -> {
                committed.clear();
                admin.listConsumerGroupOffsets(config.applicationId()).partitionsToOffsetAndMetadata().get()
                        .forEach((partition, offset) -> {
                            if (offset != null) committed.put(partition, offset.offset());
                        });
                return next.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey(), 0L) >= e.getValue());
            });
        }
    }

    private static List<Long> steps(List<ConsumerRecord<String, WeightsUpdated>> records) {
        return records.stream().map(r -> r.value().getTrainingStep()).toList();
    }

    private static String replayFingerprint(ServiceConfig config, Topics topics, int expected) {
        List<ConsumerRecord<String, TrainingExample>> examples = examples(config, topics, expected);
        Learner replay = Learner.create(config.learner());
        for (var e : examples) replay.train(AvroTrades.trade(e.value().getVotes(), e.value().getTrade()));
        assertThat(examples).hasSize(expected);
        return replay.fingerprint();
    }

    @Test
    void eachValidTradeTrainsExactlyOnceInOrderAndEveryBadRecordIsDeadLettered() throws Exception {
        // given
        ServiceConfig config = config("once");
        try (LearningService service = new LearningService(config)) {
            createTopics(service);
            Topics topics = service.topics();
            Published published = publish(config, topics, 1000, 7);
            int n = published.trainable().size();

            // when
            service.start();
            var weights = readUntil(config, topics.weightsUpdated(), r -> r.size() >= n, Duration.ofSeconds(300));
            var letters = readUntil(config, topics.deadLetter(), r -> r.size() >= published.badByKey().size(), OUTPUT);

            // then: steps 1..n, once each, in order, one per valid trade
            assertThat(steps(weights)).containsExactlyElementsOf(LongStream.rangeClosed(1, n).boxed().toList());
            assertThat(weights.stream().map(r -> r.value().getDecisionId()).sorted().toList())
                    .isEqualTo(published.trainable().stream().sorted().toList());
            // and step k consumed the k-th training record: the exactly-once oracle
            var examples = examples(config, topics, n);
            assertThat(weights.stream().map(r -> r.value().getSourceOffset()).toList())
                    .isEqualTo(examples.stream().map(ConsumerRecord::offset).toList());

            // and the dead letters are exactly the injected bad records, with their reasons
            Map<String, Long> expectedReasons = new TreeMap<>();
            published.badByKey().values().forEach(reason -> expectedReasons.merge(reason, 1L, Long::sum));
            Map<String, Long> actualReasons = new TreeMap<>();
            letters.forEach(r -> actualReasons.merge(r.value().getReason(), 1L, Long::sum));
            assertThat(actualReasons).isEqualTo(expectedReasons);
            assertThat(letters.stream().filter(r -> r.value().getReason().equals("unreadable"))
                    .map(r -> new String(r.key(), StandardCharsets.UTF_8)).sorted().toList())
                    .isEqualTo(published.badByKey().entrySet().stream().filter(e -> e.getValue().equals("unreadable"))
                            .map(Map.Entry::getKey).sorted().toList());

            // and the live learner is the offline replay of the training topic
            String live = weights.get(n - 1).value().getFingerprint();
            assertThat(live).isEqualTo(replayFingerprint(config, topics, n));

            // and every input record is accounted for
            CountSnapshot counts = service.counts();
            assertThat(counts.trained()).isEqualTo(n);
            assertThat(counts.deadLettered()).isEqualTo(expectedReasons);
            assertThat(counts.votesIn() + counts.tradesIn()).isEqualTo(published.records());
            assertThat(counts.pendingVotes()).isEqualTo(expectedReasons.getOrDefault("non-positive-price", 0L));
            assertThat(counts.reconciles()).as(counts.toString()).isTrue();

            // and the learner's changelog is set up to stay small
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", config.bootstrapServers()))) {
                String changelog = config.applicationId() + "-" + LearningTopology.LEARNER_STORE + "-changelog";
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, changelog);
                Config topicConfig = admin.describeConfigs(List.of(resource)).all().get().get(resource);
                assertThat(topicConfig.get("cleanup.policy").value()).isEqualTo("compact");
                assertThat(topicConfig.get("max.message.bytes").value()).isEqualTo(Integer.toString(2 * 1024 * 1024));
                assertThat(topicConfig.get("segment.bytes").value()).isEqualTo(Integer.toString(16 * 1024 * 1024));
            }
        }
    }

    @Test
    void stoppingMidStreamNeitherLosesNorRepeatsAStep() throws Exception {
        // given: a service stopped (no cleanup) while it works through a batch of trades
        ServiceConfig config = config("restart");
        Topics topics = Topics.of(config);
        int n;
        try (LearningService first = new LearningService(config)) {
            createTopics(first);
            first.start();
            n = publish(config, topics, 250, 11).trainable().size();
            readUntil(config, topics.weightsUpdated(), r -> r.size() >= 50, OUTPUT);
        }
        // and more trades arriving while it is down; restarted on the same disk, stopped again
        n += publish(config, topics, 250, 12).trainable().size();
        int target = n;
        try (LearningService second = new LearningService(config)) {
            second.start();
            readUntil(config, topics.weightsUpdated(), r -> r.size() >= target - 200, Duration.ofSeconds(300));
        }
        // and more again, for a replacement machine whose disk is empty: it restores from the changelogs
        n += publish(config, topics, 100, 13).trainable().size();
        int all = n;
        ServiceConfig freshDisk = config.withStateDir(stateDir.resolve("replacement-machine"));
        try (LearningService third = new LearningService(freshDisk)) {
            // when
            third.start();
            readUntil(config, topics.weightsUpdated(), r -> r.size() >= all, Duration.ofSeconds(300));
            // once every training record's consumption is committed, a repeated step would be on the topic too
            awaitTrainingCommitted(config, topics);
            var weights = readToEnd(config, topics.weightsUpdated());

            // then
            assertThat(steps(weights)).containsExactlyElementsOf(LongStream.rangeClosed(1, all).boxed().toList());
            assertThat(weights.get(all - 1).value().getFingerprint()).isEqualTo(replayFingerprint(config, topics, all));
            assertThat(third.counts().reconciles()).isTrue();
        }
    }

    @Test
    void aRestartPublishesTheAgentPerformanceOfEveryModelOnceMore() throws Exception {
        // given: a service that trains but stops before its first agent-performance interval ends
        ServiceConfig config = config("agents-restart");
        Topics topics = Topics.of(config);
        int n;
        try (LearningService first = new LearningService(config.with(Map.of("agent-performance.interval", "1h")))) {
            createTopics(first);
            first.start();
            n = publish(config, topics, 40, 21).trainable().size();
            int trained = n;
            readUntil(config, topics.weightsUpdated(), r -> r.size() >= trained, OUTPUT);
        }
        assertThat(readToEnd(config, topics.agentPerformance())).as("none published before the stop").isEmpty();
        var weights = readToEnd(config, topics.weightsUpdated());
        WeightsUpdated last = weights.get(weights.size() - 1).value();

        // when: it starts again with no new trade
        try (LearningService second = new LearningService(config)) {
            second.start();
            var rows = readUntil(config, topics.agentPerformance(), r -> r.size() >= config.learner().roster().size(), OUTPUT);

            // then: the model's figures as of its last step reach the table after all
            assertThat(rows).extracting(r -> r.value().getTrainingStep()).containsOnly(last.getTrainingStep());
            assertThat(rows).extracting(r -> r.value().getSourceOffset()).containsOnly(last.getSourceOffset());
        }
    }
}
