package io.pim.metalearner.stream;

import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.alert.AlertConfig;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything the service needs, read once at start from a properties file with environment
 * overrides, and validated there: a bad value fails the start with a message naming the key and
 * what it accepts, never a surprise mid-stream.
 * <p>
 * Every key {@code a.b-c} can be overridden by the environment variable {@code METALEARNER_A_B_C}
 * (upper case, dots and dashes as underscores), e.g. {@code METALEARNER_BOOTSTRAP_SERVERS}.
 * Keys starting with {@code streams.} pass straight to Kafka Streams (prefix removed); any other
 * unknown key is an error, so a typo is not silently ignored.
 *
 * @param votesTtl          how long votes wait for their trade; also how long a trained or
 *                          rejected decision id is remembered to catch duplicates
 * @param tradeGrace        how long a trade that arrived before its votes waits for them
 * @param snapshotEvery     a {@code WeightSnapshot} every this many steps
 * @param commitInterval    Kafka Streams commit interval: under exactly-once every commit ends a
 *                          transaction, and outputs become visible to read_committed readers only
 *                          then, so it bounds the end-to-end latency (twice: join, then training)
 * @param replicationFactor of the topics this service creates and of Kafka Streams' internal
 *                          topics; the default 1 suits the single embedded broker, a production
 *                          cluster wants 3
 * @param inputPartitions   partitions of decision-votes and trade-closed when this service
 *                          creates them (the two must match: the join needs both records of a
 *                          decision on the same partition number)
 * @param streamsOverrides  extra Kafka Streams properties from {@code streams.*} keys
 * @param alerts            thresholds of the alert detectors ({@code alert.*} keys, see {@link AlertConfig})
 * @param checkpoints       when the training processor writes learner checkpoints, and how many it keeps
 * @param http              the HTTP API's settings ({@code http.*} keys)
 */
public record ServiceConfig(String bootstrapServers, String registryUrl, String applicationId, Path stateDir,
                            TopicNames topics, String defaultModelId, Duration votesTtl, Duration tradeGrace,
                            LearnerConfig learner, int snapshotEvery, Duration commitInterval,
                            short replicationFactor, int inputPartitions, int streamThreads,
                            Map<String, String> streamsOverrides, AlertConfig alerts, CheckpointPolicy checkpoints,
                            HttpSettings http) {

    /**
     * @param every    a checkpoint after every step that is a multiple of this
     * @param keep     checkpoints kept per model: the newest step's and the {@code keep - 1} before it
     *                 (by step); older ones are deleted, so a rollback reaches back {@code every × keep} steps
     * @param maxBytes the largest checkpoint the checkpoints topic accepts ({@code max.message.bytes},
     *                 set when this service creates it); a bigger one is not written and raises the
     *                 {@code checkpoint-failed} alert
     */
    public record CheckpointPolicy(int every, int keep, int maxBytes) {
    }

    /**
     * @param port            {@code http.port}: the HTTP API's port; 0 turns it off in {@code run}
     * @param adminToken      {@code http.admin-token}: bearer token of the admin endpoints and of
     *                        {@code /internal/model-state}; null (unset or blank): admin endpoints off
     * @param feedbackTimeout {@code http.feedback.timeout}: how long POST /api/pim/feedback waits for the
     *                        weight update before answering 202
     * @param curvePoints     {@code http.curve.points}: recent steps in the status's learning curve
     */
    public record HttpSettings(int port, String adminToken, Duration feedbackTimeout, int curvePoints) {
        /** The shortest admin token accepted: a guessable one would make the admin endpoints open. */
        public static final int MIN_TOKEN_LENGTH = 16;

        /** Never the token itself: configs end up in logs. */
        @Override
        public String toString() {
            return "HttpSettings[port=" + port + ", adminToken=" + (adminToken == null ? "unset" : "set")
                    + ", feedbackTimeout=" + feedbackTimeout + ", curvePoints=" + curvePoints + "]";
        }
    }

    /** Topic names; each has its own key {@code topic.<default name>}. */
    public record TopicNames(String decisionVotes, String tradeClosed, String training, String weightsUpdated,
                             String trainingLog, String agentPerformance, String weightSnapshots,
                             String alerts, String deadLetter, String commands, String checkpoints,
                             String commandResults) {
    }

    public static final String ENV_PREFIX = "METALEARNER_";

    /** Every known key with its default; null means required. Order is the order of the docs. */
    static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("bootstrap.servers", null);
        d.put("registry.url", null);
        d.put("application.id", "metalearner");
        d.put("state.dir", System.getProperty("java.io.tmpdir") + "/metalearner-streams");
        for (String topic : List.of("decision-votes", "trade-closed", "training", "weights-updated", "training-log",
                "agent-performance", "weight-snapshots", "alerts", "dead-letter", "commands", "checkpoints")) {
            d.put("topic." + topic, topic);
        }
        d.put("topic.command-results", "command-results");
        d.put("model.default-id", "default");
        d.put("votes.ttl", "30d");
        d.put("trade.grace", "5m");
        d.put("engine", "fast");
        d.put("rule", "seed-ema");
        d.put("hedge.rate", Double.toString(LearnerConfig.DEFAULT_HEDGE_RATE));
        d.put("seed", Long.toString(LearnerConfig.DEFAULT_SEED));
        d.put("window", Integer.toString(LearnerConfig.DEFAULT_WINDOW));
        d.put("roster", String.join(",", LearnerConfig.DEFAULT_ROSTER));
        d.put("snapshot.every", "10");
        // 20 ms: two exactly-once hops (join, training) each wait for a commit; see BENCHMARKS.md "Stream"
        d.put("commit.interval", "20ms");
        d.put("replication.factor", "1");
        d.put("input.partitions", "3");
        d.put("stream.threads", "1");
        AlertConfig a = AlertConfig.defaults();
        d.put("alert.loss.window", Integer.toString(a.lossWindow()));
        d.put("alert.loss.rise-ratio", Double.toString(a.lossRiseRatio()));
        d.put("alert.loss.clear-ratio", Double.toString(a.lossClearRatio()));
        d.put("alert.r2.min-trades", Integer.toString(a.r2MinTrades()));
        d.put("alert.r2.raise", Double.toString(a.r2Raise()));
        d.put("alert.r2.clear", Double.toString(a.r2Clear()));
        d.put("alert.collapse.min-steps", Integer.toString(a.collapseMinSteps()));
        d.put("alert.collapse.spread", Double.toString(a.collapseSpread()));
        d.put("alert.collapse.clear-spread", Double.toString(a.collapseClearSpread()));
        d.put("alert.drift.delta", Double.toString(a.driftDelta()));
        d.put("alert.drift.threshold", Double.toString(a.driftThreshold()));
        d.put("alert.drift.alpha", Double.toString(a.driftAlpha()));
        d.put("alert.drift.min-instances", Integer.toString(a.driftMinInstances()));
        d.put("alert.drift.clear-steps", Integer.toString(a.driftClearSteps()));
        d.put("checkpoint.every", "100");
        d.put("checkpoint.keep", "50");
        d.put("checkpoint.max-bytes", Integer.toString(2 * 1024 * 1024));
        d.put("http.port", "8080");
        d.put("http.admin-token", ""); // unset: the admin endpoints are off
        d.put("http.feedback.timeout", "5s");
        d.put("http.curve.points", "200");
        return d;
    }

    /** Reads {@code file} and applies the process environment. */
    public static ServiceConfig load(Path file) {
        return load(file, System.getenv());
    }

    public static ServiceConfig load(Path file, Map<String, String> env) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        return from(properties, env);
    }

    /** Defaults for everything but the two addresses: what an embedded stack starts from. */
    public static ServiceConfig of(String bootstrapServers, String registryUrl) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrapServers);
        p.setProperty("registry.url", registryUrl);
        return from(p, Map.of());
    }

    public static ServiceConfig from(Properties properties, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        Map<String, String> streams = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            String value = properties.getProperty(key).trim();
            if (key.startsWith("streams.")) {
                streams.put(key.substring("streams.".length()), value);
            } else if (DEFAULTS.containsKey(key)) {
                values.put(key, value);
            } else {
                throw new IllegalArgumentException("unknown config key '" + key + "'; known keys: "
                        + String.join(", ", DEFAULTS.keySet()) + ", or streams.* for Kafka Streams");
            }
        }
        for (String key : DEFAULTS.keySet()) {
            String override = env.get(envName(key));
            if (override != null) values.put(key, override.trim());
        }
        return new Values(values).config(streams);
    }

    /** {@code bootstrap.servers} → {@code METALEARNER_BOOTSTRAP_SERVERS}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Typed reads of the merged values, each failing with the key's name. */
    private record Values(Map<String, String> values) {
        ServiceConfig config(Map<String, String> streams) {
            TopicNames topics = new TopicNames(topic("decision-votes"), topic("trade-closed"), topic("training"),
                    topic("weights-updated"), topic("training-log"), topic("agent-performance"),
                    topic("weight-snapshots"), topic("alerts"), topic("dead-letter"), topic("commands"),
                    topic("checkpoints"), topic("command-results"));
            LearnerConfig learner;
            try {
                learner = new LearnerConfig(list("roster"), string("engine"), string("rule"),
                        positiveDouble("hedge.rate"), longValue("seed"), intAtLeast("window", 2));
            } catch (IllegalArgumentException e) {
                // LearnerConfig names its field, which is the key (hedgeRate is hedge.rate)
                throw new IllegalArgumentException("invalid learner config: " + e.getMessage(), e);
            }
            return new ServiceConfig(string("bootstrap.servers"), url("registry.url"), string("application.id"),
                    Path.of(string("state.dir")), topics, string("model.default-id"),
                    duration("votes.ttl"), duration("trade.grace"), learner, intAtLeast("snapshot.every", 1),
                    duration("commit.interval"), (short) intAtLeast("replication.factor", 1),
                    intAtLeast("input.partitions", 1), intAtLeast("stream.threads", 1), Map.copyOf(streams), alerts(),
                    new CheckpointPolicy(intAtLeast("checkpoint.every", 1), intAtLeast("checkpoint.keep", 1),
                            intAtLeast("checkpoint.max-bytes", 1024)), http());
        }

        HttpSettings http() {
            long port = longValue("http.port");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("config key 'http.port': " + port + " must be 0..65535 (0: no HTTP)");
            }
            String token = values.get("http.admin-token");
            if (token == null || token.isBlank()) {
                token = null;
            } else if (token.length() < HttpSettings.MIN_TOKEN_LENGTH) {
                // the message must not show the token, not even a short one
                throw new IllegalArgumentException("config key 'http.admin-token' (or " + envName("http.admin-token")
                        + "): must be at least " + HttpSettings.MIN_TOKEN_LENGTH
                        + " characters, or unset to keep the admin endpoints off");
            }
            return new HttpSettings((int) port, token, duration("http.feedback.timeout"), intAtLeast("http.curve.points", 1));
        }

        AlertConfig alerts() {
            try {
                return new AlertConfig(intAtLeast("alert.loss.window", 2), number("alert.loss.rise-ratio"),
                        number("alert.loss.clear-ratio"), intAtLeast("alert.r2.min-trades", 2), number("alert.r2.raise"),
                        number("alert.r2.clear"), intAtLeast("alert.collapse.min-steps", 0), number("alert.collapse.spread"),
                        number("alert.collapse.clear-spread"), number("alert.drift.delta"), number("alert.drift.threshold"),
                        number("alert.drift.alpha"), intAtLeast("alert.drift.min-instances", 1),
                        intAtLeast("alert.drift.clear-steps", 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid alert config: " + e.getMessage(), e);
            }
        }

        double number(String key) {
            try {
                double value = Double.parseDouble(string(key));
                if (Double.isFinite(value)) return value;
            } catch (NumberFormatException ignored) {
            }
            throw new IllegalArgumentException("config key '" + key + "': '" + values.get(key) + "' must be a finite number");
        }

        String string(String key) {
            String value = values.get(key);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("config key '" + key + "' is required (or set " + envName(key) + ")");
            }
            return value;
        }

        String topic(String name) {
            String value = string("topic." + name);
            if (!value.matches("[a-zA-Z0-9._-]{1,249}")) {
                throw new IllegalArgumentException("config key 'topic." + name + "': '" + value
                        + "' is not a valid topic name (letters, digits, '.', '_', '-'; at most 249)");
            }
            return value;
        }

        List<String> list(String key) {
            return Arrays.stream(string(key).split(",")).map(String::trim).toList();
        }

        String url(String key) {
            String value = string(key);
            try {
                URI uri = URI.create(value);
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return value;
                }
            } catch (IllegalArgumentException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("config key '" + key + "': '" + value
                    + "' is not an http(s) URL; expected the Apicurio v3 API root, e.g. http://host:8080/apis/registry/v3");
        }

        long longValue(String key) {
            try {
                return Long.parseLong(string(key));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("config key '" + key + "': '" + values.get(key) + "' is not an integer");
            }
        }

        int intAtLeast(String key, int min) {
            long value = longValue(key);
            if (value < min || value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("config key '" + key + "': " + value + " must be an integer ≥ " + min);
            }
            return (int) value;
        }

        double positiveDouble(String key) {
            try {
                double value = Double.parseDouble(string(key));
                if (value > 0 && Double.isFinite(value)) return value;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("config key '" + key + "': '" + values.get(key) + "' must be a finite number > 0");
        }

        private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

        /** {@code 100ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 30d} or ISO-8601 ({@code PT5M}); must be > 0. */
        Duration duration(String key) {
            String text = string(key);
            Duration d = null;
            Matcher m = SIMPLE.matcher(text.toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            } else {
                try {
                    d = Duration.parse(text);
                } catch (DateTimeParseException ignored) {
                    // reported below
                }
            }
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("config key '" + key + "': '" + text
                        + "' is not a positive duration; use e.g. 100ms, 30s, 5m, 2h, 30d or ISO-8601 PT5M");
            }
            return d;
        }
    }

    public ServiceConfig withApplicationId(String id) {
        return new ServiceConfig(bootstrapServers, registryUrl, id, stateDir, topics, defaultModelId, votesTtl,
                tradeGrace, learner, snapshotEvery, commitInterval, replicationFactor, inputPartitions, streamThreads,
                streamsOverrides, alerts, checkpoints, http);
    }

    public ServiceConfig withStateDir(Path dir) {
        return new ServiceConfig(bootstrapServers, registryUrl, applicationId, dir, topics, defaultModelId, votesTtl,
                tradeGrace, learner, snapshotEvery, commitInterval, replicationFactor, inputPartitions, streamThreads,
                streamsOverrides, alerts, checkpoints, http);
    }

    public ServiceConfig withTradeGrace(Duration grace) {
        return new ServiceConfig(bootstrapServers, registryUrl, applicationId, stateDir, topics, defaultModelId, votesTtl,
                grace, learner, snapshotEvery, commitInterval, replicationFactor, inputPartitions, streamThreads,
                streamsOverrides, alerts, checkpoints, http);
    }

    public ServiceConfig withCheckpoints(CheckpointPolicy policy) {
        return new ServiceConfig(bootstrapServers, registryUrl, applicationId, stateDir, topics, defaultModelId, votesTtl,
                tradeGrace, learner, snapshotEvery, commitInterval, replicationFactor, inputPartitions, streamThreads,
                streamsOverrides, alerts, policy, http);
    }
}
