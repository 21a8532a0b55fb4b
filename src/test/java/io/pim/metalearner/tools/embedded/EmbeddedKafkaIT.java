package io.pim.metalearner.tools.embedded;

import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.TestProducers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The product's own embedded broker ({@link EmbeddedKafka}, the demo's) is what is under test, so it is started here, not the shared one. */
class EmbeddedKafkaIT {

    @Test
    void servesTransactionsAndLeavesNothingBehind() throws Exception {
        Path directory;
        // given a fresh embedded node and a topic
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            directory = kafka.directory();
            assertThat(directory).isDirectory();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("events", 1, (short) 1))).all().get();
                Await.until("a leader for the topic's partition", Duration.ofSeconds(60), () -> {
                    var leader = admin.describeTopics(List.of("events")).allTopicNames().get().get("events").partitions().get(0).leader();
                    return leader != null && !leader.isEmpty() && leader.id() >= 0;
                });
            }

            // when one transaction commits and another aborts
            Map<String, Object> producerConfig = TestProducers.config(kafka.bootstrapServers());
            producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-test");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig,
                    new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                TestProducers.Sends<String, String> first = TestProducers.checked(producer);
                first.send(new ProducerRecord<>("events", "k", "committed-1"));
                first.send(new ProducerRecord<>("events", "k", "committed-2"));
                producer.commitTransaction();
                first.awaitAll();
                producer.beginTransaction();
                TestProducers.Sends<String, String> aborted = TestProducers.checked(producer);
                aborted.send(new ProducerRecord<>("events", "k", "aborted"));
                aborted.awaitAll(); // on the log before the abort
                producer.abortTransaction();
                producer.beginTransaction();
                TestProducers.Sends<String, String> last = TestProducers.checked(producer);
                last.send(new ProducerRecord<>("events", "k", "committed-3"));
                producer.commitTransaction();
                last.awaitAll();
            }

            // then a read_committed consumer in a group sees exactly the committed records
            List<String> seen = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-test",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("events"));
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (seen.size() < 3 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        seen.add(record.value());
                    }
                }
                consumer.commitSync();
            }
            assertThat(seen).containsExactly("committed-1", "committed-2", "committed-3");
        }

        // and closing it deletes its data
        assertThat(Files.exists(directory)).isFalse();
    }
}
