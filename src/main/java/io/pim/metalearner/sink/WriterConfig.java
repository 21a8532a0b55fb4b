package io.pim.metalearner.sink;

import org.postgresql.ds.PGSimpleDataSource;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * What the JDBI writer needs, from a properties file with environment overrides: a key
 * {@code jdbc.password} is overridden by {@code METALEARNER_JDBC_PASSWORD} (upper case, dots and
 * dashes as underscores), so secrets need not sit in the file. Keys starting with
 * {@code consumer.} are passed to the Kafka consumer as they are (e.g.
 * {@code consumer.max.poll.records}).
 */
public record WriterConfig(
        String bootstrapServers,
        String registryUrl,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        String groupId,
        Topics topics,
        Map<String, String> consumerOverrides) {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String REGISTRY_URL = "registry.url";
    public static final String JDBC_URL = "jdbc.url";
    public static final String JDBC_USER = "jdbc.user";
    public static final String JDBC_PASSWORD = "jdbc.password";
    public static final String GROUP_ID = "group.id";
    public static final String TOPIC_TRAINING_LOG = "topic.training-log";
    public static final String TOPIC_AGENT_PERFORMANCE = "topic.agent-performance";
    public static final String TOPIC_WEIGHT_SNAPSHOTS = "topic.weight-snapshots";
    public static final String TOPIC_DEAD_LETTER = "topic.dead-letter";
    private static final String CONSUMER_PREFIX = "consumer.";

    /**
     * The database the writer lands in; all that {@code metalearner migrate} needs of a writer
     * config (a Connect user's file may hold only these keys).
     */
    public record Database(String jdbcUrl, String user, String password) {
        public Database {
            requireValue(JDBC_URL, jdbcUrl);
            if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException(JDBC_URL + " must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db), got: " + jdbcUrl);
            }
        }

        /** A fresh data source on it (no pool: the writer holds one connection, a migration another for a moment). */
        public PGSimpleDataSource dataSource() {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setURL(jdbcUrl);
            if (!user.isEmpty()) dataSource.setUser(user);
            if (!password.isEmpty()) dataSource.setPassword(password);
            // one multi-row INSERT per batch instead of a round trip per row
            dataSource.setReWriteBatchedInserts(true);
            dataSource.setConnectTimeout(5);
            return dataSource;
        }

        @Override
        public String toString() {
            return "Database[" + JDBC_URL + "=" + jdbcUrl + ", " + JDBC_USER + "=" + user + "]"; // never the password
        }
    }

    /** The topics the writer reads, and where what it cannot write goes. */
    public record Topics(String trainingLog, String agentPerformance, String weightSnapshots, String deadLetter) {
        public static final Topics DEFAULT = new Topics("training-log", "agent-performance", "weight-snapshots", "dead-letter");
    }

    public WriterConfig {
        requireValue(BOOTSTRAP_SERVERS, bootstrapServers);
        requireValue(REGISTRY_URL, registryUrl);
        new Database(jdbcUrl, jdbcUser, jdbcPassword); // validates the JDBC keys
        if (!registryUrl.startsWith("http://") && !registryUrl.startsWith("https://")) {
            throw new IllegalArgumentException(REGISTRY_URL + " must be an http(s) URL of Apicurio's API, e.g. http://host:8080/apis/registry/v3, got: " + registryUrl);
        }
        requireValue(GROUP_ID, groupId);
        requireValue(TOPIC_TRAINING_LOG, topics.trainingLog());
        requireValue(TOPIC_AGENT_PERFORMANCE, topics.agentPerformance());
        requireValue(TOPIC_WEIGHT_SNAPSHOTS, topics.weightSnapshots());
        requireValue(TOPIC_DEAD_LETTER, topics.deadLetter());
        consumerOverrides = Map.copyOf(consumerOverrides);
    }

    /** The config for a writer in the same process as the broker, registry and database (demo, tests). */
    public static WriterConfig of(String bootstrapServers, String registryUrl, String jdbcUrl, String user, String password) {
        return new WriterConfig(bootstrapServers, registryUrl, jdbcUrl, user, password, "metalearner-writer",
                Topics.DEFAULT, Map.of());
    }

    public Database database() {
        return new Database(jdbcUrl, jdbcUser, jdbcPassword);
    }

    public WriterConfig withGroupId(String id) {
        return new WriterConfig(bootstrapServers, registryUrl, jdbcUrl, jdbcUser, jdbcPassword, id, topics, consumerOverrides);
    }

    public WriterConfig withConsumerOverrides(Map<String, String> overrides) {
        return new WriterConfig(bootstrapServers, registryUrl, jdbcUrl, jdbcUser, jdbcPassword, groupId, topics, overrides);
    }

    public static WriterConfig load(Path file) throws IOException {
        return from(read(file), System.getenv());
    }

    /** Only the database of a writer config file (with the same environment overrides), for {@code migrate}. */
    public static Database loadDatabase(Path file) throws IOException {
        return databaseFrom(read(file), System.getenv());
    }

    public static Database databaseFrom(Properties file, Map<String, String> environment) {
        Map<String, String> values = values(file, environment);
        return new Database(values.get(JDBC_URL), values.getOrDefault(JDBC_USER, ""), values.getOrDefault(JDBC_PASSWORD, ""));
    }

    private static Properties read(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        return properties;
    }

    public static WriterConfig from(Properties file, Map<String, String> environment) {
        Map<String, String> values = values(file, environment);
        Map<String, String> consumer = new HashMap<>();
        values.forEach((key, value) -> {
            if (key.startsWith(CONSUMER_PREFIX)) consumer.put(key.substring(CONSUMER_PREFIX.length()), value);
        });
        Topics defaults = Topics.DEFAULT;
        return new WriterConfig(
                values.get(BOOTSTRAP_SERVERS),
                values.get(REGISTRY_URL),
                values.get(JDBC_URL),
                values.getOrDefault(JDBC_USER, ""),
                values.getOrDefault(JDBC_PASSWORD, ""),
                values.getOrDefault(GROUP_ID, "metalearner-writer"),
                new Topics(
                        values.getOrDefault(TOPIC_TRAINING_LOG, defaults.trainingLog()),
                        values.getOrDefault(TOPIC_AGENT_PERFORMANCE, defaults.agentPerformance()),
                        values.getOrDefault(TOPIC_WEIGHT_SNAPSHOTS, defaults.weightSnapshots()),
                        values.getOrDefault(TOPIC_DEAD_LETTER, defaults.deadLetter())),
                consumer);
    }

    /** The file's keys with the environment's overrides; an unknown key is refused rather than ignored. */
    private static Map<String, String> values(Properties file, Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        file.stringPropertyNames().forEach(key -> values.put(key, file.getProperty(key).trim()));
        for (String key : KNOWN_KEYS) {
            String fromEnvironment = environment.get(environmentName(key));
            if (fromEnvironment != null) values.put(key, fromEnvironment.trim());
        }
        for (String key : values.keySet()) {
            if (!KNOWN_KEYS.contains(key) && !key.startsWith(CONSUMER_PREFIX)) {
                throw new IllegalArgumentException("Unknown writer config key '" + key + "'; known keys: "
                        + String.join(", ", KNOWN_KEYS) + ", and consumer.* for the Kafka consumer");
            }
        }
        return values;
    }

    private static final java.util.List<String> KNOWN_KEYS = java.util.List.of(
            BOOTSTRAP_SERVERS, REGISTRY_URL, JDBC_URL, JDBC_USER, JDBC_PASSWORD, GROUP_ID,
            TOPIC_TRAINING_LOG, TOPIC_AGENT_PERFORMANCE, TOPIC_WEIGHT_SNAPSHOTS, TOPIC_DEAD_LETTER);

    static String environmentName(String key) {
        return "METALEARNER_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static void requireValue(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Missing writer config '" + key + "' (or environment variable "
                    + environmentName(key) + ")");
        }
    }

    @Override
    public String toString() {
        // never print the password
        return "WriterConfig[" + BOOTSTRAP_SERVERS + "=" + bootstrapServers + ", " + REGISTRY_URL + "=" + registryUrl
                + ", " + JDBC_URL + "=" + jdbcUrl + ", " + JDBC_USER + "=" + jdbcUser + ", " + GROUP_ID + "=" + groupId
                + ", topics=" + topics + ", consumer=" + consumerOverrides + "]";
    }
}
