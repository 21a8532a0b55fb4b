package io.pim.metalearner.sink;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.stream.AvroSerdes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.HashMap;
import java.util.Map;

/**
 * The writer's three Kafka clients, each built in one method from its config: the consumer of
 * the three topics, the dead letters' producer, the admin client that reads the group's lag.
 * The one place to swap for a shared client factory.
 */
final class WriterClients {
    private WriterClients() {
    }

    static KafkaConsumer<byte[], byte[]> consumer(WriterConfig config) {
        return new KafkaConsumer<>(consumerConfig(config), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static KafkaProducer<byte[], DeadLetter> deadLetterProducer(WriterConfig config) {
        AvroKafkaSerializer<DeadLetter> serializer = new AvroKafkaSerializer<>();
        serializer.configure(AvroSerdes.config(config.registryUrl()), false);
        return new KafkaProducer<>(producerConfig(config), new ByteArraySerializer(), serializer);
    }

    static Admin admin(WriterConfig config) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()));
    }

    private static Map<String, Object> consumerConfig(WriterConfig config) {
        Map<String, Object> consumer = new HashMap<>();
        consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId());
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // big polls: each poll is one transaction, and agent-performance dedupes within it
        consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20_000);
        consumer.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        consumer.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 32 * 1024 * 1024);
        consumer.putAll(config.consumerOverrides());
        return consumer;
    }

    private static Map<String, Object> producerConfig(WriterConfig config) {
        Map<String, Object> producer = new HashMap<>();
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, config.groupId() + "-dead-letters");
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return producer;
    }
}
