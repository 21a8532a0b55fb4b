package io.pim.metalearner.config;

import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.race.PromotionPolicy;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.regime.RegimeResponse;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import java.net.URI;
import java.util.List;

/**
 * The parts every role's {@link ConfigDef} is built from (kafka, registry, topics, learner, model,
 * alerts, checkpoints, http, writer, database): each key defined once, with its type, default,
 * validator and doc. The reference page (docs/CONFIG.md) is generated from these definitions.
 */
public final class ConfigParts {
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String REGISTRY_URL = "registry.url";
    public static final String REGISTRY_AUTH_USERNAME = "registry.auth.username";
    public static final String REGISTRY_AUTH_PASSWORD = "registry.auth.password";
    public static final String REGISTRY_AUTH_TOKEN_ENDPOINT = "registry.auth.token-endpoint";
    public static final String REGISTRY_AUTH_CLIENT_ID = "registry.auth.client-id";
    public static final String REGISTRY_AUTH_CLIENT_SECRET = "registry.auth.client-secret";
    public static final String APPLICATION_ID = "application.id";
    public static final String STATE_DIR = "state.dir";
    public static final String REPLICATION_FACTOR = "replication.factor";
    public static final String INPUT_PARTITIONS = "input.partitions";
    public static final String INPUT_KEYING = "input.keying";
    public static final String STREAM_THREADS = "stream.threads";
    public static final String TRAINING_PARTITIONS = "training.partitions";
    public static final String STANDBY_REPLICAS = "stream.standby-replicas";
    public static final String COMMIT_INTERVAL = "commit.interval";
    public static final String ROCKSDB_MEMORY = "rocksdb.memory.bytes";
    public static final String ROCKSDB_WRITE_BUFFER = "rocksdb.write-buffer.bytes";
    public static final String TOPIC_PREFIX = "topic.";
    public static final String MODEL_DEFAULT_ID = "model.default-id";
    public static final String VOTES_TTL = "votes.ttl";
    public static final String TRADE_GRACE = "trade.grace";
    public static final String SNAPSHOT_EVERY = "snapshot.every";
    public static final String AGENT_PERFORMANCE_INTERVAL = "agent-performance.interval";
    public static final String ENGINE = "engine";
    public static final String RULE = "rule";
    public static final String HEDGE_RATE = "hedge.rate";
    public static final String SEED = "seed";
    public static final String WINDOW = "window";
    public static final String ROSTER = "roster";
    public static final String REGIME_RESPONSE = "regime.response";
    public static final String REGIME_BOOST_FACTOR = "regime.boost-factor";
    public static final String REGIME_BOOST_STEPS = "regime.boost-steps";
    public static final String CHECKPOINT_EVERY = "checkpoint.every";
    public static final String CHECKPOINT_KEEP = "checkpoint.keep";
    public static final String CHECKPOINT_MAX_BYTES = "checkpoint.max-bytes";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_ADMIN_TOKEN = "http.admin-token";
    public static final String HTTP_FEEDBACK_TOKEN = "http.feedback-token";
    public static final String HTTP_FEEDBACK_TIMEOUT = "http.feedback.timeout";
    public static final String HTTP_CURVE_POINTS = "http.curve.points";
    public static final String CANDIDATES = "candidates";
    public static final String RACE_WINDOW = "race.window";
    public static final String PROMOTION_POLICY = "promotion.policy";
    public static final String PROMOTION_MIN_TRADES = "promotion.min-trades";
    public static final String PROMOTION_SIGNIFICANCE = "promotion.significance";
    public static final String PROMOTION_COOLDOWN = "promotion.cooldown";
    public static final String PROMOTION_ALLOW_DRIFT = "promotion.allow-drift";
    public static final String PROMOTION_CRITERION = "promotion.criterion";
    public static final String PROMOTION_MIN_LAG = "promotion.min-lag";
    public static final String GROUP_ID = "group.id";
    public static final String HEALTH_PORT = "health.port";
    public static final String JDBC_URL = "jdbc.url";
    public static final String JDBC_USER = "jdbc.user";
    public static final String JDBC_PASSWORD = "jdbc.password";
    public static final String HTTP_ROLLBACK_DATABASE_URL = "http.rollback-database.url";
    public static final String HTTP_ROLLBACK_DATABASE_USER = "http.rollback-database.user";
    public static final String HTTP_ROLLBACK_DATABASE_PASSWORD = "http.rollback-database.password";

    /** Keys passed to every Kafka client this product makes (prefix removed), e.g. {@code kafka.security.protocol}. */
    public static final String KAFKA_PREFIX = "kafka.";
    /** Keys passed to Kafka Streams only (prefix removed); they win over everything else. */
    public static final String STREAMS_PREFIX = "streams.";
    /** Keys passed to the writer's consumer only (prefix removed). */
    public static final String CONSUMER_PREFIX = "consumer.";

    /** Default names of every topic; each is configurable as {@code topic.<default name>}. */
    public static final List<String> TOPICS = List.of("decision-votes", "trade-closed", "training",
            "weights-updated", "training-log", "agent-performance", "weight-snapshots", "alerts", "dead-letter",
            "commands", "checkpoints", "command-results", "decision-scores");

    /** The shortest admin token accepted: a guessable one would make the admin endpoints open. */
    public static final int MIN_TOKEN_LENGTH = 16;

    private ConfigParts() {
    }

    /** Where the Kafka cluster is; {@code kafka.*} keys (TLS, SASL, ...) reach every client. */
    public static ConfigDef kafka(ConfigDef d) {
        return d.define(BOOTSTRAP_SERVERS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                Importance.HIGH, "Kafka cluster, host:port[,host:port]. Security settings go in kafka.* keys "
                        + "(e.g. kafka.security.protocol=SASL_SSL), which every client of this process receives.");
    }

    public static ConfigDef registry(ConfigDef d) {
        return d.define(REGISTRY_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, HTTP_URL, Importance.HIGH,
                "Apicurio Registry v3 API root, e.g. http://registry:8080/apis/registry/v3. Values are written "
                        + "in the Confluent wire format (magic byte, 4-byte content id).")
                .define(REGISTRY_AUTH_USERNAME, Type.STRING, "", Importance.MEDIUM,
                        "User for HTTP basic auth to the registry (with registry.auth.password); unset: no basic auth. "
                                + "Every registry client of the process uses it: the Avro serdes and the writer's reader.")
                .define(REGISTRY_AUTH_PASSWORD, Type.PASSWORD, "", Importance.MEDIUM,
                        "Password for basic auth to the registry; better from METALEARNER_REGISTRY_AUTH_PASSWORD than "
                                + "from the file.")
                .define(REGISTRY_AUTH_TOKEN_ENDPOINT, Type.STRING, "", OPTIONAL_HTTP_URL, Importance.MEDIUM,
                        "OAuth2 token endpoint (e.g. Keycloak's .../protocol/openid-connect/token); with "
                                + "registry.auth.client-id and registry.auth.client-secret, registry requests carry a "
                                + "bearer token from the client-credentials grant. Unset: no OAuth2.")
                .define(REGISTRY_AUTH_CLIENT_ID, Type.STRING, "", Importance.MEDIUM,
                        "OAuth2 client id for the registry.")
                .define(REGISTRY_AUTH_CLIENT_SECRET, Type.PASSWORD, "", Importance.MEDIUM,
                        "OAuth2 client secret for the registry; better from METALEARNER_REGISTRY_AUTH_CLIENT_SECRET "
                                + "than from the file.");
    }

    /** A {@code topic.<name>} key for each topic, defaulting to its name. */
    public static ConfigDef topics(ConfigDef d) {
        for (String topic : TOPICS) {
            d.define(TOPIC_PREFIX + topic, Type.STRING, topic, TOPIC_NAME, Importance.LOW,
                    "Name of the " + topic + " topic.");
        }
        return d;
    }

    /** The Kafka Streams application: its id, state, threads and how it creates topics. */
    public static ConfigDef streams(ConfigDef d) {
        return d.define(APPLICATION_ID, Type.STRING, "metalearner", new ConfigDef.NonEmptyString(), Importance.HIGH,
                        "Kafka Streams application.id: instances with the same id share the work; also the prefix "
                                + "of internal topics and transactional ids.")
                .define(STATE_DIR, Type.STRING, System.getProperty("java.io.tmpdir") + "/metalearner-streams",
                        new ConfigDef.NonEmptyString(), Importance.HIGH,
                        "Local state (the learner stores); keep it on a persistent volume for fast restarts.")
                .define(REPLICATION_FACTOR, Type.SHORT, (short) 1, Range.atLeast(1), Importance.MEDIUM,
                        "Replication factor of the topics this service creates and of Kafka Streams' internal "
                                + "topics; 1 suits the single embedded broker, a production cluster wants 3.")
                .define(INPUT_PARTITIONS, Type.INT, 3, Range.atLeast(1), Importance.MEDIUM,
                        "Partitions of decision-votes and trade-closed when this service creates them (the two "
                                + "must match: the join needs both records of a decision on one partition number). "
                                + "Used with input.keying=decision-id only; model-id inputs have training.partitions.")
                .define(INPUT_KEYING, Type.STRING, InputKeying.DECISION_ID.id,
                        ValidString.in(InputKeying.ids().toArray(String[]::new)), Importance.HIGH,
                        "How producers key decision-votes and trade-closed. 'decision-id': by the decision "
                                + "(any producer, default partitioner); the join and the training step are two "
                                + "tasks, so a close crosses two exactly-once commits before its weights are "
                                + "readable. 'model-id': by the model the decision teaches (votes naming it in "
                                + "model_id, or the default model; every close naming it in model_id), both "
                                + "inputs with training.partitions partitions: the join, the training step and "
                                + "the decision score run in one task, so a close reaches its weights in one "
                                + "commit and commands are read from the commands topic by that task. A record "
                                + "that breaks the chosen contract is dead-lettered with a reason that names the "
                                + "fix. Switching an existing deployment: docs/OPERATIONS.md, \"Input keying\".")
                // 6: divides evenly over 1, 2, 3 or 6 instances (or threads), and costs a small desk
                // only 6 idle tasks; a model never spans partitions, so more models, not more
                // partitions, is what needs more of them
                .define(TRAINING_PARTITIONS, Type.INT, 6, Range.between(1, 1024), Importance.HIGH,
                        "Partitions of the training topic, and of the commands and per-model outputs, when this "
                                + "service creates them. A model's records all go to one partition (the Kafka "
                                + "default partitioner on the model id), so each model keeps one strictly ordered "
                                + "learner; the partitions spread the models over stream threads and instances. "
                                + "An existing training topic with another count refuses the start: replay each "
                                + "model into a new layout (docs/OPERATIONS.md, \"Partitions, instances and standbys\").")
                .define(STREAM_THREADS, Type.INT, 1, Range.atLeast(1), Importance.LOW, "Kafka Streams threads.")
                // 0: measured on two instances (docs/BENCHMARKS.md, "The whole pipeline"), a standby cost 38 % more
                // CPU per trade in all and bought no failover time, since a compacted learner changelog restores
                // in under a second and the group's session timeout is the whole of a failover
                .define(STANDBY_REPLICAS, Type.INT, 0, Range.between(0, 16), Importance.MEDIUM,
                        "Kafka Streams num.standby.replicas: warm copies of each training task's stores on other "
                                + "instances, so a model fails over without restoring its whole changelog. Each "
                                + "copy reads the changelogs again and keeps the stores on disk; worth it when a "
                                + "model's state takes long to restore.")
                // 20 ms: two exactly-once hops (join, training) each wait for a commit; docs/BENCHMARKS.md "Stream"
                .define(COMMIT_INTERVAL, Type.STRING, "20ms", Durations.POSITIVE, Importance.MEDIUM,
                        "Kafka Streams commit interval: under exactly-once each commit ends a transaction, and "
                                + "outputs are visible to read_committed readers only then, so it bounds latency.")
                // 128 MiB: a model's learner is ~47 KB, so 1,000 models' learners fit in the cache
                // with room for the other stores; docs/BENCHMARKS.md "RocksDB memory"
                .define(ROCKSDB_MEMORY, Type.LONG, 128L << 20, Range.atLeast(1L << 20), Importance.MEDIUM,
                        "Off-heap memory of all RocksDB stores of this instance, in bytes: one block cache "
                                + "shared by every store of every task, holding data, index and filter blocks, "
                                + "and charged for the memtables. RocksDB's memory stays near this however many "
                                + "tasks and stores the instance holds; size a container's memory as the heap "
                                + "plus this plus the JVM's own native memory.")
                .define(ROCKSDB_WRITE_BUFFER, Type.LONG, 32L << 20, Range.atLeast(1L << 20), Importance.LOW,
                        "Of " + ROCKSDB_MEMORY + ", the bytes memtables (RocksDB's write buffers) may take in "
                                + "all before they are flushed; less than " + ROCKSDB_MEMORY + ".");
    }

    /** What the join and the training processor do per model. */
    public static ConfigDef model(ConfigDef d) {
        return d.define(MODEL_DEFAULT_ID, Type.STRING, "default", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                        "Model of a decision that names none, and of requests that name none.")
                .define(VOTES_TTL, Type.STRING, "30d", Durations.POSITIVE, Importance.MEDIUM,
                        "How long votes wait for their trade; also how long a trained or rejected decision id is "
                                + "remembered to catch duplicates.")
                .define(TRADE_GRACE, Type.STRING, "5m", Durations.POSITIVE, Importance.MEDIUM,
                        "How long a trade that arrived before its votes waits for them.")
                .define(SNAPSHOT_EVERY, Type.INT, 10, Range.atLeast(1), Importance.LOW,
                        "A weight snapshot every this many steps.")
                // 9 records per step were 42 % of all records per trade: docs/BENCHMARKS.md "The whole pipeline"
                .define(AGENT_PERFORMANCE_INTERVAL, Type.STRING, "100ms", Durations.POSITIVE, Importance.LOW,
                        "How often a model's agent-performance records (one per agent, an upsert by "
                                + "model and agent) are published while it trains: its figures as they are "
                                + "then, so the table trails the model by at most this long. A command's "
                                + "result is published at once.");
    }

    /** What a new learner computes (an existing model keeps the config stored with its state). */
    public static ConfigDef learner(ConfigDef d) {
        return d.define(ENGINE, Type.STRING, "fast", ValidString.in(LearnerConfig.ENGINES.toArray(String[]::new)),
                        Importance.MEDIUM, "How the network is computed (not what): fast (plain Java) or dl4j.")
                .define(RULE, Type.STRING, "seed-ema", ValidString.in(LearnerConfig.RULES.toArray(String[]::new)),
                        Importance.MEDIUM, "Agent weight rule.")
                .define(HEDGE_RATE, Type.DOUBLE, LearnerConfig.DEFAULT_HEDGE_RATE, POSITIVE_NUMBER, Importance.LOW,
                        "Learning rate η of the hedge rule.")
                .define(SEED, Type.LONG, LearnerConfig.DEFAULT_SEED, Importance.LOW,
                        "Seeds initial parameters and dropout masks.")
                .define(WINDOW, Type.INT, LearnerConfig.DEFAULT_WINDOW, Range.atLeast(2), Importance.LOW,
                        "Trades in the rolling metric windows.")
                .define(ROSTER, Type.LIST, String.join(",", LearnerConfig.DEFAULT_ROSTER), new ConfigDef.NonNullValidator(),
                        Importance.MEDIUM, "Agents in feature order; changing it changes the network's input size.")
                .define(REGIME_RESPONSE, Type.LIST, "none", ConfigDef.ValidList.in("none", RegimeResponse.RESET_MOMENTS,
                                RegimeResponse.BOOST), Importance.LOW,
                        "What a new model does when its loss drifts (the loss-drift alert's detector, alert.drift.*, "
                                + "run inside the learner so a replay reproduces it): none, or reset-moments (Adam's "
                                + "moments and step count zeroed) and/or boost (the learning rate multiplied by "
                                + REGIME_BOOST_FACTOR + " for " + REGIME_BOOST_STEPS + " steps). Not for the ridge model.")
                .define(REGIME_BOOST_FACTOR, Type.DOUBLE, RegimeResponse.DEFAULT_BOOST_FACTOR, POSITIVE_NUMBER, Importance.LOW,
                        "The boost's learning-rate factor.")
                .define(REGIME_BOOST_STEPS, Type.INT, RegimeResponse.DEFAULT_BOOST_STEPS, Range.atLeast(1), Importance.LOW,
                        "Training steps the boost lasts after a drift is detected.");
    }

    /**
     * Shadow candidates and their race with the live model ({@code ShadowRace}), and what happens
     * when one wins ({@code PromotionPolicy}). Nothing is created or raced while {@code candidates}
     * is empty.
     */
    public static ConfigDef candidates(ConfigDef d) {
        return d.define(CANDIDATES, Type.STRING, "", SPEC_LIST, Importance.MEDIUM,
                        "Shadow candidates created beside every model when it first trains, as learner specs or presets "
                                + "separated by commas (original, ridge, ridge-tracking, net, net-batch8, ensemble, "
                                + "seed-hedge, or MODEL+RULE; default = ridge, ridge-tracking, net-batch8). Each learns on "
                                + "exactly the model's trades, in the same task, under the id <model>~<spec>. Empty: none.")
                .define(RACE_WINDOW, Type.INT, 1000, Range.between(10, 100_000), Importance.LOW,
                        "Trades the candidate race compares the live model and each candidate over (the newest ones).")
                .define(PROMOTION_POLICY, Type.STRING, PromotionPolicy.MANUAL,
                        ValidString.in(PromotionPolicy.MODES.toArray(String[]::new)), Importance.MEDIUM,
                        "manual: a candidate that beats the live model raises candidate-better; auto: the service "
                                + "also promotes it with a promote command on the commands topic.")
                .define(PROMOTION_MIN_TRADES, Type.INT, 500, Range.atLeast(2), Importance.LOW,
                        "Trades a candidate must have raced on (at most race.window) before it can be judged better.")
                .define(PROMOTION_SIGNIFICANCE, Type.DOUBLE, 0.01, OPEN_UNIT, Importance.LOW,
                        "A candidate is better when the one-sided Diebold–Mariano p-value of its advantage "
                                + "(promotion.criterion) is below this.")
                .define(PROMOTION_CRITERION, Type.STRING, PromotionPolicy.LOSS,
                        ValidString.in(PromotionPolicy.CRITERIA.toArray(String[]::new)), Importance.MEDIUM,
                        "What a candidate must beat the live model on, every trade judged by the scores both made "
                                + "when it was decided: loss (squared error of the predicted return) or pnl (the "
                                + "committee's P&L with the agent weights each had then).")
                .define(PROMOTION_MIN_LAG, Type.INT, 0, Range.between(0, 100_000), Importance.LOW,
                        "Smallest Newey–West (Bartlett) lag of the Diebold–Mariano variance. The race raises it "
                                + "to the largest overlap in its window: how many of the model's other trades it "
                                + "learned while a trade was open.")
                .define(PROMOTION_COOLDOWN, Type.INT, 1000, Range.atLeast(0), Importance.LOW,
                        "Trades after an automatic promotion was applied before the next one (never two in flight).")
                .define(PROMOTION_ALLOW_DRIFT, Type.BOOLEAN, false, Importance.LOW,
                        "Promote automatically even when the race window holds a loss-drift alert of the live model.");
    }

    /** Alert thresholds ({@link AlertConfig} says what each means); defaults are {@link AlertConfig#defaults()}. */
    public static ConfigDef alerts(ConfigDef d) {
        AlertConfig a = AlertConfig.defaults();
        return d.define("alert.loss.window", Type.INT, a.lossWindow(), Range.atLeast(2), Importance.LOW,
                        "Trades per window: the loss alert compares the last window's mean loss with the one before.")
                .define("alert.loss.rise-ratio", Type.DOUBLE, a.lossRiseRatio(), FINITE, Importance.LOW,
                        "Raise loss-rising when last/previous mean loss is above this.")
                .define("alert.loss.clear-ratio", Type.DOUBLE, a.lossClearRatio(), FINITE, Importance.LOW,
                        "Clear it when back below this.")
                .define("alert.r2.min-trades", Type.INT, a.r2MinTrades(), Range.atLeast(2), Importance.LOW,
                        "No R² alert before this many steps.")
                .define("alert.r2.raise", Type.DOUBLE, a.r2Raise(), FINITE, Importance.LOW,
                        "Raise low-r2 when the rolling R² is below this.")
                .define("alert.r2.clear", Type.DOUBLE, a.r2Clear(), FINITE, Importance.LOW,
                        "Clear it when back at or above this.")
                .define("alert.collapse.min-steps", Type.INT, a.collapseMinSteps(), Range.atLeast(0), Importance.LOW,
                        "No weights-collapsed alert before this many steps.")
                .define("alert.collapse.spread", Type.DOUBLE, a.collapseSpread(), FINITE, Importance.LOW,
                        "Raise weights-collapsed when max − min of the agent weights is below this.")
                .define("alert.collapse.clear-spread", Type.DOUBLE, a.collapseClearSpread(), FINITE, Importance.LOW,
                        "Clear it when the spread is back above this.")
                .define("alert.drift.delta", Type.DOUBLE, a.driftDelta(), FINITE, Importance.LOW,
                        "Page-Hinkley tolerated change of the mean loss per step.")
                .define("alert.drift.threshold", Type.DOUBLE, a.driftThreshold(), FINITE, Importance.LOW,
                        "Page-Hinkley lambda: a drift when the cumulative sum exceeds it.")
                .define("alert.drift.alpha", Type.DOUBLE, a.driftAlpha(), FINITE, Importance.LOW,
                        "Page-Hinkley forgetting factor of the cumulative sum.")
                .define("alert.drift.min-instances", Type.INT, a.driftMinInstances(), Range.atLeast(1), Importance.LOW,
                        "Page-Hinkley values needed (after each detection too) before detecting.")
                .define("alert.drift.clear-steps", Type.INT, a.driftClearSteps(), Range.atLeast(1), Importance.LOW,
                        "A drift alert clears after this many steps without a new detection.");
    }

    public static ConfigDef checkpoints(ConfigDef d) {
        return d.define(CHECKPOINT_EVERY, Type.INT, 100, Range.atLeast(1), Importance.LOW,
                        "A learner checkpoint after every step that is a multiple of this.")
                .define(CHECKPOINT_KEEP, Type.INT, 50, Range.atLeast(1), Importance.LOW,
                        "Checkpoints kept per model (the newest and the ones before it, by step); a rollback "
                                + "reaches back checkpoint.every × checkpoint.keep steps.")
                .define(CHECKPOINT_MAX_BYTES, Type.INT, 2 * 1024 * 1024, Range.atLeast(1024), Importance.LOW,
                        "Largest checkpoint (max.message.bytes of the checkpoints topic when this service creates "
                                + "it); a bigger one is not written and raises checkpoint-failed.");
    }

    public static ConfigDef http(ConfigDef d) {
        return d.define(HTTP_PORT, Type.INT, 8080, Range.between(0, 65535), Importance.MEDIUM,
                        "Port of the HTTP API, dashboard and /metrics; 0 turns HTTP off in run.")
                .define(HTTP_ADMIN_TOKEN, Type.PASSWORD, "", token("the admin endpoints off"), Importance.MEDIUM,
                        "Bearer token of the admin endpoints and of /internal/model-state (every instance of a "
                                + "group needs the same); unset: the admin endpoints are off. At least "
                                + MIN_TOKEN_LENGTH + " characters; better from METALEARNER_HTTP_ADMIN_TOKEN.")
                .define(HTTP_FEEDBACK_TOKEN, Type.PASSWORD, "", token("POST /api/pim/feedback open"), Importance.MEDIUM,
                        "Bearer token POST /api/pim/feedback requires (it creates training data); unset: open, as "
                                + "the embedded demo wants. At least " + MIN_TOKEN_LENGTH + " characters; better from "
                                + "METALEARNER_HTTP_FEEDBACK_TOKEN. Put TLS in front (deploy/README.md, \"TLS in front of the API\") when it is set.")
                .define(HTTP_FEEDBACK_TIMEOUT, Type.STRING, "5s", Durations.POSITIVE, Importance.LOW,
                        "How long POST /api/pim/feedback waits for the weight update before answering 202.")
                .define(HTTP_CURVE_POINTS, Type.INT, 200, Range.atLeast(1), Importance.LOW,
                        "Recent steps in the status's learning curve.")
                .define(HTTP_ROLLBACK_DATABASE_URL, Type.STRING, "", validator("empty or " + JDBC_POSTGRES_TEXT,
                                value -> value.toString().isEmpty() || value.toString().startsWith("jdbc:postgresql:")),
                        Importance.LOW, "PostgreSQL the writer lands checkpoints in (its jdbc.url), for the admin endpoint "
                                + "rollback?from_database=true; unset: that endpoint answers 400.")
                .define(HTTP_ROLLBACK_DATABASE_USER, Type.STRING, "", Importance.LOW,
                        "Database user of " + HTTP_ROLLBACK_DATABASE_URL + " (read only is enough).")
                .define(HTTP_ROLLBACK_DATABASE_PASSWORD, Type.PASSWORD, "", Importance.LOW,
                        "Its password; better from METALEARNER_HTTP_ROLLBACK_DATABASE_PASSWORD than from the file.");
    }

    /** The JDBI writer's consumer group and its health listener. */
    public static ConfigDef writer(ConfigDef d) {
        return d.define(GROUP_ID, Type.STRING, "metalearner-writer", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                        "Consumer group of the writer: writers sharing it share the partitions.")
                .define(HEALTH_PORT, Type.INT, 0, Range.between(0, 65535), Importance.MEDIUM,
                        "Port of the writer's GET /health/live and /health/ready (what a Compose healthcheck or a "
                                + "Kubernetes probe calls) and its Prometheus GET /metrics; 0: no health listener.");
    }

    public static ConfigDef database(ConfigDef d) {
        return d.define(JDBC_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, JDBC_POSTGRES, Importance.HIGH,
                        "PostgreSQL JDBC URL, jdbc:postgresql://host:port/db (?socketTimeout=N changes the "
                                + "writer's default of 60 s).")
                .define(JDBC_USER, Type.STRING, "", Importance.HIGH, "Database user.")
                .define(JDBC_PASSWORD, Type.PASSWORD, "", Importance.HIGH,
                        "Database password; better from METALEARNER_JDBC_PASSWORD than from the file.");
    }

    static final ConfigDef.Validator HTTP_URL = validator("an http(s) URL of the Apicurio v3 API root",
            value -> isHttpUrl(value.toString()));

    private static boolean isHttpUrl(String text) {
        try {
            URI uri = URI.create(text);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static final ConfigDef.Validator OPTIONAL_HTTP_URL = validator("empty, or an http(s) URL",
            value -> value.toString().isBlank() || isHttpUrl(value.toString()));

    static final ConfigDef.Validator TOPIC_NAME = validator("a topic name (letters, digits, '.', '_', '-'; at most 249)",
            value -> value.toString().matches("[a-zA-Z0-9._-]{1,249}"));

    private static final String JDBC_POSTGRES_TEXT = "a PostgreSQL JDBC URL, jdbc:postgresql://host:port/db";

    static final ConfigDef.Validator JDBC_POSTGRES = validator(JDBC_POSTGRES_TEXT,
            value -> value.toString().startsWith("jdbc:postgresql:"));

    static final ConfigDef.Validator FINITE = validator("a finite number",
            value -> Double.isFinite(((Number) value).doubleValue()));

    static final ConfigDef.Validator OPEN_UNIT = validator("a number in (0, 1)",
            value -> ((Number) value).doubleValue() > 0 && ((Number) value).doubleValue() < 1);

    /** Empty, or learner specs that each make a learner from the default config. */
    static final ConfigDef.Validator SPEC_LIST = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            String text = value == null ? "" : value.toString();
            if (text.isBlank()) return;
            try {
                for (LearnerSpec spec : LearnerSpec.parseList(text)) spec.applyTo(LearnerConfig.defaults());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "empty, or learner specs separated by commas";
        }
    };

    static final ConfigDef.Validator POSITIVE_NUMBER = validator("a finite number > 0",
            value -> Double.isFinite(((Number) value).doubleValue()) && ((Number) value).doubleValue() > 0);

    /** Blank (off) or long enough; its message never shows the token. */
    static ConfigDef.Validator token(String whatUnsetMeans) {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                String token = value == null ? "" : ((Password) value).value();
                if (!token.isBlank() && token.length() < MIN_TOKEN_LENGTH) {
                    throw new ConfigException(name + " (or " + ConfigFile.envName(name) + "): must be at least "
                            + MIN_TOKEN_LENGTH + " characters, or unset to keep " + whatUnsetMeans);
                }
            }

            @Override
            public String toString() {
                return "unset, or at least " + MIN_TOKEN_LENGTH + " characters";
            }
        };
    }

    private static ConfigDef.Validator validator(String accepts, java.util.function.Predicate<Object> ok) {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value == null || !ok.test(value)) throw new ConfigException(name, value, "must be " + accepts);
            }

            @Override
            public String toString() {
                return accepts;
            }
        };
    }
}
