package io.pim.metalearner.config;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every role's configuration (the service, the writer) has in common: a Kafka cluster with
 * its pass-through client settings, a registry, topic names. Values are parsed and validated by
 * the role's {@link ConfigDef} when constructed, so a bad value fails the start, naming the key.
 */
public abstract class RoleConfig extends AbstractConfig {
    private static final Pattern INVALID = Pattern.compile("Invalid value (.*) for configuration ([^:]+): (.*)", Pattern.DOTALL);
    private static final Pattern MISSING = Pattern.compile("Missing required configuration \"([^\"]+)\".*", Pattern.DOTALL);

    private final Map<String, String> values;

    protected RoleConfig(ConfigDef definition, Map<String, String> values) {
        super(definition, values, false);
        this.values = Map.copyOf(values);
        if (definition.names().contains(ConfigParts.REGISTRY_URL)) registryClient(); // half-set credentials fail the start
    }

    /** The values this config was made of with {@code changes} on top, to make a changed copy from. */
    protected Map<String, String> valuesWith(Map<String, String> changes) {
        Map<String, String> changed = new java.util.HashMap<>(values);
        changed.putAll(changes);
        return changed;
    }

    /** Runs a role's constructor, turning Kafka's {@link ConfigException} into a message that names the key and its variable. */
    protected static <T> T parse(java.util.function.Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(explain(e.getMessage()), e);
        }
    }

    static String explain(String message) {
        Matcher missing = MISSING.matcher(message);
        if (missing.matches()) {
            String key = missing.group(1);
            return "config key '" + key + "' is required (or set " + ConfigFile.envName(key) + ")";
        }
        Matcher invalid = INVALID.matcher(message);
        if (invalid.matches()) {
            return "config key '" + invalid.group(2) + "': '" + invalid.group(1) + "' " + invalid.group(3);
        }
        return "config: " + message;
    }

    public String bootstrapServers() {
        return getString(ConfigParts.BOOTSTRAP_SERVERS);
    }

    public String registryUrl() {
        return getString(ConfigParts.REGISTRY_URL);
    }

    /** The registry's URL and credentials, for every registry client of this process. */
    public RegistryClientConfig registryClient() {
        return new RegistryClientConfig(registryUrl(), getString(ConfigParts.REGISTRY_AUTH_USERNAME),
                secret(ConfigParts.REGISTRY_AUTH_PASSWORD), getString(ConfigParts.REGISTRY_AUTH_TOKEN_ENDPOINT),
                getString(ConfigParts.REGISTRY_AUTH_CLIENT_ID), secret(ConfigParts.REGISTRY_AUTH_CLIENT_SECRET));
    }

    /** The configured name of a topic, given by its default name (see {@link ConfigParts#TOPICS}). */
    public String topicName(String defaultName) {
        return getString(ConfigParts.TOPIC_PREFIX + defaultName);
    }

    /** {@code kafka.*} keys without the prefix: what every Kafka client of this process gets (TLS, SASL, ...). */
    public Map<String, Object> kafkaClientProperties() {
        return originalsWithPrefix(ConfigParts.KAFKA_PREFIX);
    }

    protected Duration duration(String key) {
        return Durations.parse(getString(key));
    }

    /** {@code null} for a blank password. */
    protected String secret(String key) {
        Password p = getPassword(key);
        return p == null || p.value().isBlank() ? null : p.value();
    }

    /** The defined keys' values and the names (only) of pass-through keys: a config can be logged, secrets never are. */
    @Override
    public String toString() {
        Map<String, Object> shown = new TreeMap<>(values());
        for (String key : originals().keySet()) {
            if (!shown.containsKey(key)) shown.put(key, "[pass-through, not shown]");
        }
        return getClass().getSimpleName() + shown;
    }

    protected static List<String> passThrough(String... prefixes) {
        return List.of(prefixes);
    }
}
