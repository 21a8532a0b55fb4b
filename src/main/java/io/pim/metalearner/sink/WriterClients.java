package io.pim.metalearner.sink;

import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.kafka.AvroSerdes;
import io.pim.metalearner.kafka.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

import java.util.HashMap;
import java.util.Map;

/**
 * The writer's three Kafka clients from the shared {@link KafkaClients} factory, with the settings
 * of the writer's jobs: the consumer of the three topics, the dead letters' producer, the admin
 * client that reads the group's lag.
 */
final class WriterClients {
    private WriterClients() {
    }

    static KafkaConsumer<byte[], byte[]> consumer(WriterConfig config) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // big polls: each poll is one transaction, and agent-performance dedupes within it
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20_000);
        settings.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        settings.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 32 * 1024 * 1024);
        settings.putAll(config.consumerOverrides());
        return new KafkaClients(config).consumer(config.groupId(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer(), settings);
    }

    static KafkaProducer<byte[], DeadLetter> deadLetterProducer(WriterConfig config) {
        Serializer<DeadLetter> serializer = AvroSerdes.<DeadLetter>value(config.registryClient()).serializer();
        return new KafkaClients(config).producer(config.groupId() + "-dead-letters", new ByteArraySerializer(),
                serializer, Map.of());
    }

    static Admin admin(WriterConfig config) {
        return new KafkaClients(config).admin();
    }
}
