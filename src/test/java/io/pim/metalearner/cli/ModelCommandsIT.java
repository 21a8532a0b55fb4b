package io.pim.metalearner.cli;

import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.avro.AgentVote;
import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.AlertState;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.Direction;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.learn.alert.AlertType;
import io.pim.metalearner.kafka.CheckpointKeys;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.stream.TrainingReplay;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestProducers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The ops story on a real KRaft broker and Apicurio registry, through the CLI as a user types it:
 * rollback, reset, replay a candidate that then learns live, compare, export/import, promote, a bad
 * command, a restart of the service from its changelogs after which the promoted, rolled-back and
 * reset models each continue from their state, and a replay of the training topic that still
 * reproduces the live fingerprints with all those commands on it. And, on topics of its own, a
 * checkpoint that does not fit: the alert it raises survives a restart and clears once ops raise the limit.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class ModelCommandsIT {
    private static final JsonMapper JSON = new JsonMapper();
    /** A bound on waiting for the service's output: far beyond what it needs, even on a busy machine. */
    private static final Duration OUTPUT = Duration.ofSeconds(120);
    private static TestKafka kafka;
    private static EmbeddedRegistry registry;

    @TempDir
    Path dir;
    private int published;
    private final List<TrainingExample> sent = new ArrayList<>();

    @BeforeAll
    static void sharedStack(TestKafka sharedKafka, EmbeddedRegistry sharedRegistry) {
        kafka = sharedKafka;
        registry = sharedRegistry;
    }

    /** A service config file as ops write it, with the application id and topics of this test alone. */
    private Path configFile(String name, Map<String, String> settings) throws Exception {
        Properties p = ServiceProperties.isolated(name, kafka, registry.apiUrl(), dir.resolve("state-1"));
        settings.forEach(p::setProperty);
        return ServiceProperties.write(p, dir.resolve("service.properties"));
    }

    @Test
    void opsRollBackResetReplayACandidatePromoteItAndEverythingSurvivesARestart() throws Exception {
        // given: a running service that checkpoints every 10 steps, and 50 trades learned by "live"
        Path configFile = configFile("ops-story", Map.of("checkpoint.every", "10"));
        ServiceConfig config = ServiceConfig.load(configFile, Map.of());
        Topics topics = Topics.of(config);
        LearningService service = start(config);
        try {
            publish(config, topics, "live", 50);
            List<WeightsUpdated> first = awaitUpdates(config, topics, 50);
            String stepThirty = first.get(29).getFingerprint();

            // when: roll back to step 35
            JsonNode rollback = cli("rollback", "--config", configFile.toString(), "--model-id", "live", "--to-step", "35");

            // then: the newest checkpoint at or before 35 is step 30's, byte for byte
            assertThat(rollback.get("applied").asBoolean()).isTrue();
            assertThat(rollback.get("training_step").asLong()).isEqualTo(30);
            assertThat(rollback.get("fingerprint").asText()).isEqualTo(stepThirty);

            // when: reset
            JsonNode reset = cli("reset", "--config", configFile.toString(), "--model-id", "live");

            // then: step 0, the seeded fresh network, every weight 1.0
            assertThat(reset.get("training_step").asLong()).isZero();
            assertThat(reset.get("fingerprint").asText()).isEqualTo(Learner.create(config.learner()).fingerprint());
            WeightsUpdated notice = awaitUpdates(config, topics, 52).get(51);
            assertThat(notice.getTrainingStep()).isZero();
            assertThat(notice.getAgentWeights().values()).allMatch(w -> w == 1.0);

            // when: more trades, then a hedge-rule candidate replayed from the training topic
            publish(config, topics, "live", 20);
            awaitUpdates(config, topics, 72);
            JsonNode installed = cli("replay", "--config", configFile.toString(), "--model-id", "live", "--as", "cand",
                    "--rule", "hedge");
            assertThat(installed.get("applied").asBoolean()).isTrue();
            assertThat(installed.get("training_step").asLong()).isEqualTo(70);
            publish(config, topics, "live", 10);

            // then: it learns live from each new trade, exactly as if replayed over all 80
            List<WeightsUpdated> updates = awaitUpdates(config, topics, 73 + 20);
            WeightsUpdated candNow = lastOf(updates, "cand");
            assertThat(candNow.getTrainingStep()).isEqualTo(80);
            Learner offline = TrainingReplay.candidate(config, Learner.create(config.learner().withRule("hedge")), "live", 0,
                    TrainingReplay.Progress.NONE).learner();
            assertThat(candNow.getFingerprint()).isEqualTo(offline.fingerprint());
            assertThat(lastOf(updates, "live").getTrainingStep()).isEqualTo(30);
            // and compare says what each was trained on: live only the 30 trades since its reset, cand all 80
            String compare = cliText("compare", "--config", configFile.toString(), "live", "cand");
            assertThat(compare).contains("rolling_r2").contains("committee_pnl_learned").contains("hedge")
                    .contains("note: 'live' was trained on 30 trades, 'cand' on 80").doesNotContain("engine");
            JsonNode compared = lastLine(compare);
            assertThat(compared.at("/models/live/trades_trained").asLong()).isEqualTo(30);
            assertThat(compared.at("/models/cand/trades_trained").asLong()).isEqualTo(80);
            assertThat(compared.at("/models/cand/rolling_trades").asLong()).isEqualTo(config.learner().window());
            assertThat(compared.get("same_trade_count").asBoolean()).isFalse();
            assertThat(compared.get("note").asText()).contains("different trades");

            // when: export live, import it as another model
            Path file = dir.resolve("live.zip");
            JsonNode exported = cli("export", "--config", configFile.toString(), "--model-id", "live", "--to", file.toString());
            JsonNode imported = cli("import", "--config", configFile.toString(), "--model-id", "copy", "--from", file.toString());

            // then: the same learner, and the export holds a DL4J model file
            assertThat(imported.get("fingerprint").asText()).isEqualTo(exported.get("fingerprint").asText())
                    .isEqualTo(lastOf(updates, "live").getFingerprint());
            try (var zip = new java.util.zip.ZipFile(file.toFile())) {
                assertThat(zip.getEntry(ModelFile.DL4J)).isNotNull();
            }

            // when: promote the candidate
            JsonNode promoted = cli("promote", "--config", configFile.toString(), "--from", "cand", "--to", "live");

            // then: live is the candidate now
            assertThat(promoted.get("training_step").asLong()).isEqualTo(80);
            assertThat(promoted.get("fingerprint").asText()).isEqualTo(candNow.getFingerprint());

            // when: a bad command
            StringWriter err = new StringWriter();
            int code = run(new StringWriter(), err, "rollback", "--config", configFile.toString(), "--model-id", "nobody",
                    "--to-step", "5");
            // then: refused with its reason, and the service goes on
            assertThat(code).isEqualTo(1);

            // when: a third model learns 25 trades (checkpoints at 10 and 20) and rolls back to 15, and the copy is reset
            publish(config, topics, "r", 25);
            List<WeightsUpdated> r = awaitUpdates(config, topics, 120).stream().filter(u -> u.getModelId().equals("r")).toList();
            JsonNode rolledBack = cli("rollback", "--config", configFile.toString(), "--model-id", "r", "--to-step", "15");
            Path rFile = dir.resolve("r.zip");
            cli("export", "--config", configFile.toString(), "--model-id", "r", "--to", rFile.toString());
            JsonNode resetCopy = cli("reset", "--config", configFile.toString(), "--model-id", "copy");

            // then
            assertThat(rolledBack.get("training_step").asLong()).isEqualTo(10);
            assertThat(rolledBack.get("fingerprint").asText()).isEqualTo(r.get(9).getFingerprint());
            assertThat(resetCopy.get("training_step").asLong()).isZero();
            awaitUpdates(config, topics, 122);
        } finally {
            service.close();
        }

        // when: the service restarts on an empty state directory (everything from the changelogs) and learns on
        ServiceConfig restarted = config.withStateDir(dir.resolve("state-2"));
        service = start(restarted);
        try {
            publish(restarted, topics, "live", 1);
            publish(restarted, topics, "r", 1);
            publish(restarted, topics, "copy", 1);
            List<WeightsUpdated> updates = awaitUpdates(restarted, topics, 126);

            // then: live continues from the promoted state, the candidate still follows it
            assertThat(lastOf(updates, "live").getTrainingStep()).isEqualTo(81);
            assertThat(lastOf(updates, "cand").getTrainingStep()).isEqualTo(81);
            assertThat(lastOf(updates, "live").getFingerprint()).isEqualTo(lastOf(updates, "cand").getFingerprint());
            // and the rolled-back model continues from its step-10 checkpoint, the reset one from the fresh network
            Learner fromCheckpoint = LearnerCodec.decode(ModelFile.readState(dir.resolve("r.zip")));
            fromCheckpoint.train(trade(sent.get(sent.size() - 2)));
            assertThat(lastOf(updates, "r").getTrainingStep()).isEqualTo(11);
            assertThat(lastOf(updates, "r").getFingerprint()).isEqualTo(fromCheckpoint.fingerprint());
            Learner fresh = Learner.create(restarted.learner());
            fresh.train(trade(sent.get(sent.size() - 1)));
            assertThat(lastOf(updates, "copy").getTrainingStep()).isEqualTo(1);
            assertThat(lastOf(updates, "copy").getFingerprint()).isEqualTo(fresh.fingerprint());
            // and a replay of the training topic, commands and all, reproduces both
            JsonNode replay = cli("replay", "--config", configFile.toString(), "--model-id", "live");
            assertThat(replay.get("fingerprint").asText()).isEqualTo(lastOf(updates, "live").getFingerprint());
            for (String model : List.of("copy", "r")) {
                assertThat(TrainingReplay.fromTopic(restarted, restarted.learner(), model).learner().fingerprint())
                        .as(model).isEqualTo(lastOf(updates, model).getFingerprint());
            }
        } finally {
            service.close();
        }
    }

    @Test
    void configuredShadowCandidatesLearnEveryTradeCompareShowsTheRaceAndReplaysEqualLive() throws Exception {
        // given: a service that gives every new model a ridge shadow candidate, raced over 40 trades
        Path configFile = configFile("shadow-story", Map.of("candidates", "ridge", "race.window", "40",
                "promotion.min-trades", "20"));
        ServiceConfig config = ServiceConfig.load(configFile, Map.of());
        Topics topics = Topics.of(config);
        try (LearningService service = start(config)) {
            // when: 60 trades of "live"
            publish(config, topics, "live", 60, true);
            List<WeightsUpdated> updates = awaitUpdates(config, topics, 2 * 60);

            // then: the candidate learned each of them, and a replay of the training topic gives both learners' bytes
            WeightsUpdated shadow = lastOf(updates, "live~ridge");
            assertThat(shadow.getTrainingStep()).isEqualTo(60);
            assertThat(shadow.getFingerprint()).isEqualTo(
                    TrainingReplay.fromTopic(config, config.learner(), "live~ridge").learner().fingerprint());
            assertThat(lastOf(updates, "live").getFingerprint()).isEqualTo(
                    TrainingReplay.fromTopic(config, config.learner(), "live").learner().fingerprint());
            JsonNode replayed = cli("replay", "--config", configFile.toString(), "--model-id", "live~ridge");
            assertThat(replayed.get("fingerprint").asText()).isEqualTo(shadow.getFingerprint());

            // and compare shows their race on the same last 40 trades, with the test of the difference
            // (the race's store commits with the outputs just read: its changelog holds the 60th trade)
            String compare = cliText("compare", "--config", configFile.toString(), "live", "live~ridge");
            assertThat(compare).contains("race over the same last 40 trades");
            JsonNode race = lastLine(compare).get("race");
            assertThat(race.get("trades").asInt()).isEqualTo(40);
            assertThat(race.get("live_loss").asDouble()).isPositive();
            assertThat(race.get("candidate_loss").asDouble()).isPositive();
            assertThat(race.has("dm_statistic")).isTrue();
            assertThat(race.get("dm_p_value").asDouble()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void aVariantCandidateReplayedWithASpecLearnsLiveExactlyAsOffline() throws Exception {
        // given: a service and 30 trades learned by "live"
        Path configFile = configFile("variant-story", Map.of());
        ServiceConfig config = ServiceConfig.load(configFile, Map.of());
        Topics topics = Topics.of(config);
        try (LearningService service = start(config)) {
            publish(config, topics, "live", 30);
            awaitUpdates(config, topics, 30);

            // when: an online-ridge candidate is replayed from the training topic, then 10 more trades come
            JsonNode installed = cli("replay", "--config", configFile.toString(), "--model-id", "live", "--as", "ridge",
                    "--spec", "ridge-tracking");
            assertThat(installed.get("applied").asBoolean()).isTrue();
            publish(config, topics, "live", 10);

            // then: the service continues the variant (its state names its spec) as if replayed over all 40
            List<WeightsUpdated> updates = awaitUpdates(config, topics, 30 + 1 + 2 * 10);
            WeightsUpdated ridgeNow = lastOf(updates, "ridge");
            assertThat(ridgeNow.getTrainingStep()).isEqualTo(40);
            Learner offline = TrainingReplay.candidate(config,
                    Learner.create(LearnerSpec.parse("ridge-tracking").applyTo(config.learner())), "live", 0,
                    TrainingReplay.Progress.NONE).learner();
            assertThat(ridgeNow.getFingerprint()).isEqualTo(offline.fingerprint());
            assertThat(lastOf(updates, "live").getFingerprint()).isEqualTo(TrainingReplay.fromTopic(config, config.learner(), "live")
                    .learner().fingerprint());
        }
    }

    @Test
    void aCheckpointTooBigRaisesCheckpointFailedOnceAndRaisingTheLimitClearsItAfterARestart() throws Exception {
        // given: a service (its own topics) that checkpoints every 10 steps but allows only 1 KiB, far below a learner's ~47 KB
        Path configFile = configFile("checkpoint-story", Map.of("checkpoint.every", "10", "checkpoint.max-bytes", "1024"));
        ServiceConfig small = ServiceConfig.load(configFile, Map.of());
        Topics topics = Topics.of(small);
        try (LearningService service = start(small)) {
            // when: 25 trades, so checkpoints are due at steps 10 and 20
            publish(small, topics, "m", 25);
            awaitUpdates(small, topics, 25);
        }

        // then: raised once, at step 10
        assertThat(checkpointAlerts(small, topics)).extracting(Alert::getState, Alert::getTrainingStep)
                .containsExactly(tuple(AlertState.RAISED, 10L));

        // when: ops raise the limit (the topic's max.message.bytes, then checkpoint.max-bytes), restart, and 10 more trades come
        int twoMiB = 2 * 1024 * 1024;
        try (Admin admin = kafka.admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topics.checkpoints().name()),
                    List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(twoMiB)),
                            AlterConfigOp.OpType.SET)))).all().get();
        }
        ServiceConfig raised = small.withStateDir(dir.resolve("state-2"))
                .withCheckpoints(new ServiceConfig.CheckpointPolicy(10, 50, twoMiB));
        try (LearningService service = start(raised)) {
            publish(raised, topics, "m", 10);
            awaitUpdates(raised, topics, 35);
        }

        // then: the restored alert is cleared once, by the checkpoint of step 30, which is on the topic
        assertThat(checkpointAlerts(raised, topics)).extracting(Alert::getState, Alert::getTrainingStep)
                .containsExactly(tuple(AlertState.RAISED, 10L), tuple(AlertState.CLEARED, 30L));
        assertThat(readToEnd(raised, topics.checkpoints())).extracting(r -> r.key())
                .containsExactly(CheckpointKeys.key("m", 30));
    }

    private static List<Alert> checkpointAlerts(ServiceConfig config, Topics topics) {
        return readToEnd(config, topics.alerts()).stream().map(ConsumerRecord::value)
                .filter(a -> a.getType().equals(AlertType.CHECKPOINT_FAILED.id())).toList();
    }

    /** Every committed record of the topic (each partition in order), read once the services that wrote it have stopped. */
    private static <V> List<ConsumerRecord<String, V>> readToEnd(ServiceConfig config, Topic<String, V> topic) {
        List<ConsumerRecord<String, V>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topic.name());
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static LearningService start(ServiceConfig config) throws Exception {
        return ServiceProperties.startRunning(kafka, config);
    }

    private JsonNode cli(String... args) throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = run(out, err, args);
        assertThat(code).as("exit code of %s; stderr: %s", args[0], err).isZero();
        return lastLine(out.toString());
    }

    private static JsonNode lastLine(String out) throws Exception {
        String[] lines = out.strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    private String cliText(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertThat(run(out, err, args)).as("stderr: %s", err).isZero();
        return out.toString();
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    /** n varied trades for the model, straight onto the training topic (the join is not under test here); each send checked. */
    private void publish(ServiceConfig config, Topics topics, String modelId, int n) throws Exception {
        publish(config, topics, modelId, n, false);
    }

    /**
     * The same; when {@code scored}, each trade's votes go first, as the join copies them there, so
     * every learner scores the decision before it trains (the race judges trades by those scores).
     */
    private void publish(ServiceConfig config, Topics topics, String modelId, int n, boolean scored) throws Exception {
        Map<String, Object> producerConfig = TestProducers.config(config.bootstrapServers());
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (var producer = new KafkaProducer<>(producerConfig,
                topics.training().keySerde().serializer(), topics.training().valueSerde().serializer());
             var votesProducer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer())) {
            var votesSerializer = topics.decisionVotes().valueSerde().serializer();
            TestProducers.Sends<String, TrainingExample> sends = TestProducers.checked(producer);
            for (int i = 0; i < n; i++) {
                int k = published++;
                String id = "d-" + k;
                Map<String, AgentVote> votes = new LinkedHashMap<>();
                votes.put("TradingAgent", vote(k % 3 == 0 ? Direction.SHORT : Direction.LONG, 0.5 + 0.04 * (k % 10)));
                votes.put("TechnicalAgent", vote(k % 2 == 0 ? Direction.LONG : Direction.SHORT, 0.7));
                votes.put("RiskAgent", vote(Direction.NEUTRAL, 0.5));
                double exit = 150.0 * (1 + 0.03 * Math.sin(k * 0.7));
                TrainingExample example = TrainingExample.newBuilder().setModelId(modelId)
                        .setVotes(DecisionVotes.newBuilder().setDecisionId(id).setWorkflowId("wf").setSymbol("AAPL")
                                .setAction("BUY").setDecidedAt(Instant.ofEpochMilli(1_700_000_000_000L)).setModelId(null)
                                .setAgentVotes(votes).build())
                        .setTrade(TradeClosed.newBuilder().setDecisionId(id).setSymbol("AAPL").setEntryPrice(150.0)
                                .setExitPrice(exit).setActualProfit(exit - 150.0).setHoldDuration(5)
                                .setClosedAt(Instant.ofEpochMilli(1_700_000_100_000L)).build())
                        .build();
                if (scored) {
                    // the votes' bytes as the join forwards them (framed for decision-votes), before the trade
                    DecisionVotes named = DecisionVotes.newBuilder(example.getVotes()).setModelId(modelId).build();
                    votesProducer.send(new ProducerRecord<>(topics.training().name(), modelId,
                            votesSerializer.serialize(topics.decisionVotes().name(), named))).get();
                    producer.send(new ProducerRecord<>(topics.training().name(), modelId, example)).get();
                } else {
                    sends.send(new ProducerRecord<>(topics.training().name(), modelId, example));
                }
                sent.add(example);
            }
            sends.awaitAll();
        }
    }

    /** What the learner makes of a published example, to train a model offline as the service does. */
    private static Trade trade(TrainingExample e) {
        Map<String, Vote> votes = new LinkedHashMap<>();
        e.getVotes().getAgentVotes().forEach((agent, v) -> votes.put(agent, new Vote(
                io.pim.metalearner.learn.trade.Direction.valueOf(v.getDirection().name()), v.getConfidence(), v.getPositionSize())));
        return new Trade(e.getVotes().getDecisionId(), e.getTrade().getSymbol(), e.getVotes().getAction(),
                e.getTrade().getEntryPrice(), e.getTrade().getExitPrice(), votes);
    }

    private static AgentVote vote(Direction d, double confidence) {
        return AgentVote.newBuilder().setDirection(d).setConfidence(confidence).setPositionSize(1.0).build();
    }

    /** Every weights-updated record so far, once there are at least {@code n}. */
    private static List<WeightsUpdated> awaitUpdates(ServiceConfig config, Topics topics, int n) {
        List<WeightsUpdated> out = new ArrayList<>();
        Properties p = new Properties();
        p.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        try (var consumer = new KafkaConsumer<>(p, topics.weightsUpdated().keySerde().deserializer(),
                topics.weightsUpdated().valueSerde().deserializer())) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topics.weightsUpdated().name());
            long deadline = System.nanoTime() + OUTPUT.toNanos();
            while (out.size() < n && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        assertThat(out).as("weights-updated records").hasSizeGreaterThanOrEqualTo(n);
        return out;
    }

    private static WeightsUpdated lastOf(List<WeightsUpdated> updates, String modelId) {
        WeightsUpdated last = null;
        for (WeightsUpdated u : updates) if (u.getModelId().equals(modelId)) last = u;
        assertThat(last).as("an update of %s", modelId).isNotNull();
        return last;
    }
}
