package io.pim.metalearner.kafka;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;

import java.util.Map;

/**
 * A topic as one value: the key that configures its name, its name, the serdes of its keys and
 * values, and how it is created, so neither a name nor a serde nor a setting is ever a loose guess.
 *
 * @param configKey {@code topic.<default name>}, the config key of its name
 * @param spec      partitions and topic configs when this service creates it; null for a view of
 *                  a topic under another serde ({@link Topics#trainingCommands()})
 */
public record Topic<K, V>(String configKey, String name, Serde<K> keySerde, Serde<V> valueSerde, Spec spec) {

    /**
     * @param partitions a fixed count; the topology relies on it (see {@link Topics#checkShape})
     * @param configs    topic-level configs ({@code cleanup.policy}, {@code retention.ms}, ...)
     */
    public record Spec(int partitions, Map<String, String> configs) {
        public Spec {
            configs = Map.copyOf(configs);
        }

        public static Spec of(int partitions) {
            return new Spec(partitions, Map.of());
        }
    }

    NewTopic newTopic(short replicationFactor) {
        return new NewTopic(name, spec.partitions(), replicationFactor).configs(spec.configs());
    }
}
