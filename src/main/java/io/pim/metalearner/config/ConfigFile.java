package io.pim.metalearner.config;

import org.apache.kafka.common.config.ConfigDef;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The one loader of every role's configuration: a properties file, then the environment on top.
 * A defined key {@code a.b-c} is overridden by {@code METALEARNER_A_B_C}; a pass-through key
 * ({@code kafka.*}, {@code streams.*}, {@code consumer.*}) by {@code METALEARNER_KAFKA_SASL_JAAS_CONFIG}
 * → {@code kafka.sasl.jaas.config} (the rest lower-cased, underscores as dots), so secrets need not
 * sit in a file. An unknown key is an error, so a typo is not silently ignored.
 */
public final class ConfigFile {
    public static final String ENV_PREFIX = "METALEARNER_";

    private ConfigFile() {
    }

    /** @throws IllegalArgumentException naming the file and why it cannot be read */
    public static Properties read(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e, e);
        }
        return properties;
    }

    /**
     * The file's values with the environment's overrides, checked against {@code definition}.
     *
     * @param passThrough prefixes (with their dot, e.g. {@code "kafka."}) whose keys are handed to a client as they are
     */
    public static Map<String, String> merge(Properties file, Map<String, String> env, ConfigDef definition,
                                            List<String> passThrough) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : new TreeSet<>(file.stringPropertyNames())) {
            if (!definition.names().contains(key) && passThrough.stream().noneMatch(key::startsWith)) {
                throw new IllegalArgumentException("unknown config key '" + key + "'; known keys: "
                        + String.join(", ", definition.names())
                        + (passThrough.isEmpty() ? "" : ", or " + String.join("*, ", passThrough) + "* to pass through"));
            }
            values.put(key, file.getProperty(key).trim());
        }
        for (String key : definition.names()) {
            String override = env.get(envName(key));
            if (override != null) values.put(key, override.trim());
        }
        for (String prefix : passThrough) {
            String envPrefix = envName(prefix);
            for (var e : new java.util.TreeMap<>(env).entrySet()) {
                if (e.getKey().startsWith(envPrefix) && e.getKey().length() > envPrefix.length()) {
                    String rest = e.getKey().substring(envPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                    values.put(prefix + rest, e.getValue().trim());
                }
            }
        }
        return values;
    }

    /** {@code http.admin-token} → {@code METALEARNER_HTTP_ADMIN_TOKEN}; {@code kafka.} → {@code METALEARNER_KAFKA_}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
