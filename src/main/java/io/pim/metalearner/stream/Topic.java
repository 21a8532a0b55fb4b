package io.pim.metalearner.stream;

import org.apache.kafka.common.serialization.Serde;

/** A topic as one value: its name with the serdes of its keys and values, so neither is ever a loose guess. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
}
