package io.pim.metalearner.testing;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import java.util.List;

/** How the tests read a topic without a group: every partition, from the start. */
public final class TestConsumers {
    private TestConsumers() {
    }

    /**
     * Assigns every partition of {@code topic} (records keyed by model or decision id spread over
     * all of them) and seeks each to its beginning; returns the partitions.
     */
    public static List<TopicPartition> fromStart(Consumer<?, ?> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return partitions;
    }
}
