package io.pim.metalearner.config;

import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.race.PromotionPolicy;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.predict.ModelSpec;
import io.pim.metalearner.learn.regime.RegimeResponse;
import org.apache.kafka.common.config.ConfigDef;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.pim.metalearner.config.ConfigParts.*;

/**
 * The learning service's configuration ({@code run}, {@code demo}, the model commands): the parts
 * kafka, registry, topics, streams, model, learner, alerts, checkpoints and http of
 * {@link ConfigParts}, read once at start by {@link ConfigFile} and validated there. Keys
 * {@code streams.*} pass to Kafka Streams, {@code kafka.*} to every Kafka client.
 */
public final class ServiceConfig extends RoleConfig {
    public static final ConfigDef DEFINITION = definition();

    private static ConfigDef definition() {
        ConfigDef d = new ConfigDef();
        ConfigParts.kafka(d);
        ConfigParts.registry(d);
        ConfigParts.streams(d);
        ConfigParts.topics(d);
        ConfigParts.model(d);
        ConfigParts.learner(d);
        ConfigParts.checkpoints(d);
        ConfigParts.http(d);
        ConfigParts.alerts(d);
        ConfigParts.candidates(d);
        return d;
    }

    static final List<String> PASS_THROUGH = List.of(KAFKA_PREFIX, STREAMS_PREFIX);

    /**
     * @param every    a checkpoint after every step that is a multiple of this
     * @param keep     checkpoints kept per model
     * @param maxBytes the largest checkpoint written
     */
    public record CheckpointPolicy(int every, int keep, int maxBytes) {
    }

    /**
     * @param port            {@code http.port}; 0 turns HTTP off in {@code run}
     * @param adminToken      {@code http.admin-token}; null: admin endpoints off
     * @param feedbackTimeout {@code http.feedback.timeout}
     * @param curvePoints     {@code http.curve.points}
     * @param feedbackToken   {@code http.feedback-token}; null: feedback is open
     */
    public record HttpSettings(int port, String adminToken, Duration feedbackTimeout, int curvePoints, String feedbackToken) {
        /** Never the token itself: configs end up in logs. */
        @Override
        public String toString() {
            return "HttpSettings[port=" + port + ", adminToken=" + (adminToken == null ? "unset" : "set")
                    + ", feedbackTimeout=" + feedbackTimeout + ", curvePoints=" + curvePoints
                    + ", feedbackToken=" + (feedbackToken == null ? "unset" : "set") + "]";
        }
    }

    /** {@code http.rollback-database.*}: where the admin endpoint finds landed checkpoints. */
    public record RollbackDatabase(String jdbcUrl, String user, String password) {
        /** Never the password: configs end up in logs. */
        @Override
        public String toString() {
            return "RollbackDatabase[jdbcUrl=" + jdbcUrl + ", user=" + user + "]";
        }
    }

    /** Topic names, each from its key {@code topic.<default name>}. */
    public record TopicNames(String decisionVotes, String tradeClosed, String training, String weightsUpdated,
                             String trainingLog, String agentPerformance, String weightSnapshots,
                             String alerts, String deadLetter, String commands, String checkpoints,
                             String commandResults) {
    }

    private final TopicNames topics;
    private final LearnerConfig learner;
    private final AlertConfig alerts;
    private final CheckpointPolicy checkpoints;
    private final HttpSettings http;
    private final List<LearnerSpec> candidates;
    private final PromotionPolicy promotion;

    private ServiceConfig(Map<String, String> values) {
        super(DEFINITION, values);
        this.topics = new TopicNames(topicName("decision-votes"), topicName("trade-closed"), topicName("training"),
                topicName("weights-updated"), topicName("training-log"), topicName("agent-performance"),
                topicName("weight-snapshots"), topicName("alerts"), topicName("dead-letter"), topicName("commands"),
                topicName("checkpoints"), topicName("command-results"));
        this.alerts = alertConfig();
        this.learner = learnerConfig();
        this.checkpoints = new CheckpointPolicy(getInt(CHECKPOINT_EVERY), getInt(CHECKPOINT_KEEP), getInt(CHECKPOINT_MAX_BYTES));
        this.http = new HttpSettings(getInt(HTTP_PORT), secret(HTTP_ADMIN_TOKEN), duration(HTTP_FEEDBACK_TIMEOUT),
                getInt(HTTP_CURVE_POINTS), secret(HTTP_FEEDBACK_TOKEN));
        String specs = getString(CANDIDATES);
        this.candidates = specs.isBlank() ? List.of() : List.copyOf(LearnerSpec.parseList(specs));
        if (candidates.stream().map(LearnerSpec::name).distinct().count() < candidates.size()) {
            throw new IllegalArgumentException(CANDIDATES + ": a candidate is listed twice in '" + specs + "'");
        }
        this.promotion = new PromotionPolicy(getString(PROMOTION_POLICY), getInt(PROMOTION_MIN_TRADES),
                getDouble(PROMOTION_SIGNIFICANCE), getInt(PROMOTION_COOLDOWN), getBoolean(PROMOTION_ALLOW_DRIFT),
                getString(PROMOTION_CRITERION), getInt(PROMOTION_MIN_LAG));
        if (getLong(ROCKSDB_WRITE_BUFFER) >= getLong(ROCKSDB_MEMORY)) {
            throw new IllegalArgumentException(ROCKSDB_WRITE_BUFFER + " (" + getLong(ROCKSDB_WRITE_BUFFER)
                    + ") must be less than " + ROCKSDB_MEMORY + " (" + getLong(ROCKSDB_MEMORY) + "), which includes it");
        }
        if (promotion.minTrades() > getInt(RACE_WINDOW)) {
            throw new IllegalArgumentException(PROMOTION_MIN_TRADES + " (" + promotion.minTrades()
                    + ") cannot be more than " + RACE_WINDOW + " (" + getInt(RACE_WINDOW) + "): no candidate could ever win");
        }
    }

    private LearnerConfig learnerConfig() {
        try {
            return new LearnerConfig(getList(ROSTER).stream().map(String::trim).toList(), getString(ENGINE),
                    getString(RULE), getDouble(HEDGE_RATE), getLong(SEED), getInt(WINDOW), ModelSpec.SEED_NET,
                    RegimeResponse.of(getList(REGIME_RESPONSE), getDouble(REGIME_BOOST_FACTOR), getInt(REGIME_BOOST_STEPS),
                            RegimeResponse.Drift.of(alerts)));
        } catch (IllegalArgumentException e) {
            // LearnerConfig names its field, which is the key (hedgeRate is hedge.rate)
            throw new IllegalArgumentException("invalid learner config: " + e.getMessage(), e);
        }
    }

    private AlertConfig alertConfig() {
        try {
            return new AlertConfig(getInt("alert.loss.window"), getDouble("alert.loss.rise-ratio"),
                    getDouble("alert.loss.clear-ratio"), getInt("alert.r2.min-trades"), getDouble("alert.r2.raise"),
                    getDouble("alert.r2.clear"), getInt("alert.collapse.min-steps"), getDouble("alert.collapse.spread"),
                    getDouble("alert.collapse.clear-spread"), getDouble("alert.drift.delta"),
                    getDouble("alert.drift.threshold"), getDouble("alert.drift.alpha"),
                    getInt("alert.drift.min-instances"), getInt("alert.drift.clear-steps"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid alert config: " + e.getMessage(), e);
        }
    }

    /** Reads {@code file} and applies the process environment. */
    public static ServiceConfig load(Path file) {
        return load(file, System.getenv());
    }

    public static ServiceConfig load(Path file, Map<String, String> env) {
        return from(ConfigFile.read(file), env);
    }

    /** Defaults for everything but the two addresses: what an embedded stack starts from. */
    public static ServiceConfig of(String bootstrapServers, String registryUrl) {
        Properties p = new Properties();
        p.setProperty(BOOTSTRAP_SERVERS, bootstrapServers);
        p.setProperty(REGISTRY_URL, registryUrl);
        return from(p, Map.of());
    }

    public static ServiceConfig from(Properties file, Map<String, String> env) {
        Map<String, String> values = ConfigFile.merge(file, env, DEFINITION, PASS_THROUGH);
        return parse(() -> new ServiceConfig(values));
    }

    /** This config with some keys set to other values (validated like the file's). */
    public ServiceConfig with(Map<String, String> changes) {
        return parse(() -> new ServiceConfig(valuesWith(changes)));
    }

    public ServiceConfig withApplicationId(String id) {
        return with(Map.of(APPLICATION_ID, id));
    }

    public ServiceConfig withStateDir(Path dir) {
        return with(Map.of(STATE_DIR, dir.toString()));
    }

    public ServiceConfig withTradeGrace(Duration grace) {
        return with(Map.of(TRADE_GRACE, grace.toMillis() + "ms"));
    }

    public ServiceConfig withCheckpoints(CheckpointPolicy policy) {
        return with(Map.of(CHECKPOINT_EVERY, Integer.toString(policy.every()), CHECKPOINT_KEEP,
                Integer.toString(policy.keep()), CHECKPOINT_MAX_BYTES, Integer.toString(policy.maxBytes())));
    }

    public String applicationId() {
        return getString(APPLICATION_ID);
    }

    public Path stateDir() {
        return Path.of(getString(STATE_DIR));
    }

    public TopicNames topics() {
        return topics;
    }

    public String defaultModelId() {
        return getString(MODEL_DEFAULT_ID);
    }

    /** How long votes wait for their trade; also how long a trained or rejected decision id is remembered. */
    public Duration votesTtl() {
        return duration(VOTES_TTL);
    }

    /** How long a trade that arrived before its votes waits for them. */
    public Duration tradeGrace() {
        return duration(TRADE_GRACE);
    }

    public LearnerConfig learner() {
        return learner;
    }

    public int snapshotEvery() {
        return getInt(SNAPSHOT_EVERY);
    }

    public Duration agentPerformanceInterval() {
        return duration(AGENT_PERFORMANCE_INTERVAL);
    }

    public Duration commitInterval() {
        return duration(COMMIT_INTERVAL);
    }

    public short replicationFactor() {
        return getShort(REPLICATION_FACTOR);
    }

    public int inputPartitions() {
        return getInt(INPUT_PARTITIONS);
    }

    public int trainingPartitions() {
        return getInt(TRAINING_PARTITIONS);
    }

    public InputKeying inputKeying() {
        return InputKeying.of(getString(INPUT_KEYING));
    }

    /** Partitions of decision-votes and trade-closed: the training topic's when they are keyed by model. */
    public int inputTopicPartitions() {
        return inputKeying() == InputKeying.MODEL_ID ? trainingPartitions() : inputPartitions();
    }

    public int standbyReplicas() {
        return getInt(STANDBY_REPLICAS);
    }

    public int streamThreads() {
        return getInt(STREAM_THREADS);
    }

    /** {@code rocksdb.memory.bytes}: all of RocksDB's memory in this instance. */
    public long rocksDbMemoryBytes() {
        return getLong(ROCKSDB_MEMORY);
    }

    /** {@code rocksdb.write-buffer.bytes}: of which memtables at most. */
    public long rocksDbWriteBufferBytes() {
        return getLong(ROCKSDB_WRITE_BUFFER);
    }

    /** {@code streams.*} keys, prefix removed: they win over the service's own Kafka Streams settings. */
    public Map<String, Object> streamsOverrides() {
        return originalsWithPrefix(STREAMS_PREFIX);
    }

    public AlertConfig alerts() {
        return alerts;
    }

    public CheckpointPolicy checkpoints() {
        return checkpoints;
    }

    /** The database of the admin endpoint's rollback from PostgreSQL, or null when not configured. */
    public RollbackDatabase rollbackDatabase() {
        String url = getString(HTTP_ROLLBACK_DATABASE_URL);
        return url.isEmpty() ? null : new RollbackDatabase(url, getString(HTTP_ROLLBACK_DATABASE_USER),
                getPassword(HTTP_ROLLBACK_DATABASE_PASSWORD).value());
    }

    public HttpSettings http() {
        return http;
    }

    /** {@code candidates}: the shadow candidates every new model gets; empty when none is configured. */
    public List<LearnerSpec> candidates() {
        return candidates;
    }

    /** {@code race.window}: trades the candidate race compares over. */
    public int raceWindow() {
        return getInt(RACE_WINDOW);
    }

    /** {@code promotion.*}: what a candidate that wins the race leads to. */
    public PromotionPolicy promotion() {
        return promotion;
    }
}
