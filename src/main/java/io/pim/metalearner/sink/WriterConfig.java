package io.pim.metalearner.sink;

import io.pim.metalearner.config.ConfigFile;
import io.pim.metalearner.config.ConfigParts;
import io.pim.metalearner.config.RoleConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import static io.pim.metalearner.config.ConfigParts.*;

/**
 * The JDBI writer's configuration ({@code writer}, {@code migrate}): the parts kafka, registry,
 * topics, writer and database of {@link ConfigParts}, read by {@link ConfigFile} (so
 * {@code jdbc.password} comes from {@code METALEARNER_JDBC_PASSWORD} as well). Keys
 * {@code consumer.*} pass to the writer's Kafka consumer, {@code kafka.*} to all its clients.
 */
public final class WriterConfig extends RoleConfig {
    public static final ConfigDef DEFINITION = definition();
    /** What {@code migrate} reads of the same file. */
    static final ConfigDef DATABASE_DEFINITION = ConfigParts.database(new ConfigDef());

    private static ConfigDef definition() {
        ConfigDef d = new ConfigDef();
        ConfigParts.kafka(d);
        ConfigParts.registry(d);
        ConfigParts.topics(d);
        ConfigParts.writer(d);
        ConfigParts.database(d);
        return d;
    }

    private static final List<String> PASS_THROUGH = List.of(KAFKA_PREFIX, CONSUMER_PREFIX);

    /** The database the writer lands in; all that {@code migrate} needs. */
    public record Database(String jdbcUrl, String user, String password) {
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
    public record Topics(String trainingLog, String agentPerformance, String weightSnapshots, String checkpoints,
                         String commands, String commandResults, String deadLetter) {
        public static final Topics DEFAULT = new Topics("training-log", "agent-performance", "weight-snapshots",
                "checkpoints", "commands", "command-results", "dead-letter");

        /** Every topic the writer lands. */
        public List<String> landed() {
            return List.of(trainingLog, agentPerformance, weightSnapshots, checkpoints, commands, commandResults);
        }

        /** The landed topics the service creates (a writer may start before it): waited for only once they exist. */
        public List<String> createdByTheService() {
            return List.of(checkpoints, commands, commandResults);
        }
    }


    private WriterConfig(Map<String, String> values) {
        super(DEFINITION, values);
    }

    public static WriterConfig load(Path file) {
        return from(ConfigFile.read(file), System.getenv());
    }

    public static WriterConfig from(Properties file, Map<String, String> environment) {
        Map<String, String> values = ConfigFile.merge(file, environment, DEFINITION, PASS_THROUGH);
        return parse(() -> new WriterConfig(values));
    }

    /** The config for a writer in the same process as the broker, registry and database (demo, tests). */
    public static WriterConfig of(String bootstrapServers, String registryUrl, String jdbcUrl, String user, String password) {
        Properties p = new Properties();
        p.setProperty(BOOTSTRAP_SERVERS, bootstrapServers);
        p.setProperty(REGISTRY_URL, registryUrl);
        p.setProperty(JDBC_URL, jdbcUrl);
        p.setProperty(JDBC_USER, user);
        p.setProperty(JDBC_PASSWORD, password);
        return from(p, Map.of());
    }

    /** Only the database of a writer config file (with the same environment overrides), for {@code migrate}. */
    public static Database loadDatabase(Path file) {
        return databaseFrom(ConfigFile.read(file), System.getenv());
    }

    /** The file may hold the writer's other keys too (they are checked as key names, not needed). */
    public static Database databaseFrom(Properties file, Map<String, String> environment) {
        Map<String, String> all = ConfigFile.merge(file, environment, DEFINITION, PASS_THROUGH);
        Map<String, String> jdbc = new HashMap<>();
        all.forEach((key, value) -> {
            if (DATABASE_DEFINITION.names().contains(key)) jdbc.put(key, value);
        });
        return parse(() -> new DatabaseOnly(jdbc)).database();
    }

    private static final class DatabaseOnly extends org.apache.kafka.common.config.AbstractConfig {
        DatabaseOnly(Map<String, String> values) {
            super(DATABASE_DEFINITION, values, false);
        }

        Database database() {
            return new Database(getString(JDBC_URL), getString(JDBC_USER), getPassword(JDBC_PASSWORD).value());
        }
    }

    /** This config with some keys set to other values (validated like the file's). */
    public WriterConfig with(Map<String, String> changes) {
        return parse(() -> new WriterConfig(valuesWith(changes)));
    }

    public WriterConfig withGroupId(String id) {
        return with(Map.of(GROUP_ID, id));
    }

    public WriterConfig withTopics(Topics topics) {
        return with(Map.of(TOPIC_PREFIX + "training-log", topics.trainingLog(),
                TOPIC_PREFIX + "agent-performance", topics.agentPerformance(),
                TOPIC_PREFIX + "weight-snapshots", topics.weightSnapshots(),
                TOPIC_PREFIX + "checkpoints", topics.checkpoints(),
                TOPIC_PREFIX + "commands", topics.commands(),
                TOPIC_PREFIX + "command-results", topics.commandResults(),
                TOPIC_PREFIX + "dead-letter", topics.deadLetter()));
    }

    public WriterConfig withConsumerOverrides(Map<String, String> overrides) {
        Map<String, String> changes = new LinkedHashMap<>();
        overrides.forEach((k, v) -> changes.put(CONSUMER_PREFIX + k, v));
        return with(changes);
    }

    public Database database() {
        return new Database(jdbcUrl(), jdbcUser(), jdbcPassword());
    }

    public String jdbcUrl() {
        return getString(JDBC_URL);
    }

    public String jdbcUser() {
        return getString(JDBC_USER);
    }

    public String jdbcPassword() {
        return getPassword(JDBC_PASSWORD).value();
    }

    /** {@code health.port}; 0: no health listener. */
    public int healthPort() {
        return getInt(HEALTH_PORT);
    }

    /** The consumer's {@code max.poll.interval.ms} ({@code consumer.*} or {@code kafka.*} override, else Kafka's 5 min). */
    public java.time.Duration maxPollInterval() {
        String key = org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG;
        Object value = consumerOverrides().containsKey(key) ? consumerOverrides().get(key) : kafkaClientProperties().get(key);
        return java.time.Duration.ofMillis(value == null ? 300_000L : Long.parseLong(value.toString()));
    }

    public String groupId() {
        return getString(GROUP_ID);
    }

    public Topics topics() {
        return new Topics(topicName("training-log"), topicName("agent-performance"), topicName("weight-snapshots"),
                topicName("checkpoints"), topicName("commands"), topicName("command-results"), topicName("dead-letter"));
    }

    /** {@code consumer.*} keys, prefix removed. */
    public Map<String, String> consumerOverrides() {
        return originalsWithPrefix(CONSUMER_PREFIX).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
    }
}
