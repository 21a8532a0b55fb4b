package io.pim.metalearner.stream;

import io.pim.metalearner.avro.AgentVote;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.FeedbackJson;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.Trade;
import io.pim.metalearner.learn.Vote;
import io.pim.metalearner.ops.EmbeddedRegistry;
import io.pim.metalearner.ops.TradeSimulator;
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
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
import java.util.Properties;
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
class LearningServiceIntegrationTest {
    private static KafkaClusterTestKit kafka;
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void startStack() throws Exception {
        kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
        registry = EmbeddedRegistry.start();
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (registry != null) registry.close();
        if (kafka != null) kafka.close();
    }

    /** A config with its own topics and application id, so the tests share the cluster but not data. */
    private ServiceConfig config(String name) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", kafka.bootstrapServers());
        p.setProperty("registry.url", registry.apiUrl());
        p.setProperty("application.id", "metalearner-" + name);
        p.setProperty("state.dir", stateDir.toString());
        for (String topic : List.of("decision-votes", "trade-closed", "training", "weights-updated", "training-log",
                "agent-performance", "weight-snapshots", "alerts", "dead-letter")) {
            p.setProperty("topic." + topic, name + "." + topic);
        }
        return ServiceConfig.from(p, Map.of());
    }

    /** What was published, and what the service should make of it. */
    record Published(List<String> trainable, Map<String, String> badByKey, int records) {
    }

    /**
     * Publishes {@code n} simulated trades, votes first then the close, except: ~5% closes before
     * their votes, ~2% closes sent twice, ~1% garbage records (half undecodable bytes, half closes
     * with a non-positive price, whose votes then wait for a close that never comes).
     */
    private Published publish(ServiceConfig config, Topics topics, int n, long seed) {
        Random random = new Random(seed);
        TradeSimulator simulator = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, seed, TradeSimulator.Scenario.SKILLS, n);
        List<String> trainable = new ArrayList<>();
        Map<String, String> bad = new LinkedHashMap<>();
        int records = 0;
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new ByteArraySerializer(), new ByteArraySerializer())) {
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
                    producer.send(new ProducerRecord<>(random.nextBoolean() ? config.topics().tradeClosed()
                            : config.topics().decisionVotes(), garbageKey.getBytes(StandardCharsets.UTF_8), garbage));
                    records++;
                    bad.put(garbageKey, "unreadable");
                }
                byte[] close = topics.tradeClosed().valueSerde().serializer().serialize(topics.tradeClosed().name(), closed);
                var votesRecord = new ProducerRecord<>(config.topics().decisionVotes(), key, votes);
                var closeRecord = new ProducerRecord<>(config.topics().tradeClosed(), key, close);
                boolean early = random.nextDouble() < 0.05;
                producer.send(early ? closeRecord : votesRecord);
                producer.send(early ? votesRecord : closeRecord);
                records += 2;
                if (!bad.containsKey(id + "#close")) {
                    trainable.add(id);
                    if (random.nextDouble() < 0.02) {
                        producer.send(closeRecord);
                        records++;
                        bad.put(id + "#duplicate", "duplicate");
                    }
                }
            }
            producer.flush();
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
            // no group: assign every partition and read from the start
            var partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(out) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static List<Long> steps(List<ConsumerRecord<String, WeightsUpdated>> records) {
        return records.stream().map(r -> r.value().getTrainingStep()).toList();
    }

    private static String replayFingerprint(ServiceConfig config, Topics topics, int expected) {
        List<ConsumerRecord<String, TrainingExample>> examples =
                readUntil(config, topics.training(), r -> r.size() >= expected, Duration.ofSeconds(60));
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
            service.createTopics();
            Topics topics = service.topics();
            Published published = publish(config, topics, 1000, 7);
            int n = published.trainable().size();

            // when
            service.start();
            var weights = readUntil(config, topics.weightsUpdated(), r -> r.size() >= n, Duration.ofSeconds(300));
            var letters = readUntil(config, topics.deadLetter(), r -> r.size() >= published.badByKey().size(),
                    Duration.ofSeconds(30));

            // then: steps 1..n, once each, in order, one per valid trade
            assertThat(steps(weights)).containsExactlyElementsOf(LongStream.rangeClosed(1, n).boxed().toList());
            assertThat(weights.stream().map(r -> r.value().getDecisionId()).sorted().toList())
                    .isEqualTo(published.trainable().stream().sorted().toList());
            // and step k consumed the k-th training record: the exactly-once oracle
            var examples = readUntil(config, topics.training(), r -> r.size() >= n, Duration.ofSeconds(30));
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
            first.createTopics();
            first.start();
            n = publish(config, topics, 250, 11).trainable().size();
            readUntil(config, topics.weightsUpdated(), r -> r.size() >= 50, Duration.ofSeconds(60));
        }
        // and more trades arriving while it is down; restarted on the same disk, stopped again
        n += publish(config, topics, 250, 12).trainable().size();
        int target = n;
        try (LearningService second = new LearningService(config)) {
            second.start();
            readUntil(config, topics.weightsUpdated(), r -> r.size() >= target - 200, Duration.ofSeconds(180));
        }
        // and more again, for a replacement machine whose disk is empty: it restores from the changelogs
        n += publish(config, topics, 100, 13).trainable().size();
        int all = n;
        ServiceConfig freshDisk = config.withStateDir(stateDir.resolve("replacement-machine"));
        try (LearningService third = new LearningService(freshDisk)) {
            // when
            third.start();
            readUntil(config, topics.weightsUpdated(), r -> r.size() >= all, Duration.ofSeconds(300));
            // everything committed, read a little longer: a repeated step would show up after the n-th
            var weights = readUntil(config, topics.weightsUpdated(), r -> false, Duration.ofSeconds(3));

            // then
            assertThat(steps(weights)).containsExactlyElementsOf(LongStream.rangeClosed(1, all).boxed().toList());
            assertThat(weights.get(all - 1).value().getFingerprint()).isEqualTo(replayFingerprint(config, topics, all));
            assertThat(third.counts().reconciles()).isTrue();
        }
    }
}
