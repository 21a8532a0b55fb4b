package io.pim.metalearner.kafka;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestNames;
import io.pim.metalearner.testing.TestProducers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Topic creation on a real broker: the registry's specs, the shape checks, and topics ready to take records at once. */
@ExtendWith(KafkaExtension.class)
class TopicAdminIT {

    @Test
    void createdTopicsHaveTheirSpecsAndTakeAnIdempotentProducersFirstRecordsAtOnce(TestKafka kafka, @TempDir Path state)
            throws Exception {
        // given
        Properties p = ServiceProperties.isolated(TestNames.unique("topic-admin"), kafka, "http://localhost:1/apis/registry/v3", state);
        p.setProperty("input.partitions", "4");
        p.setProperty("training.partitions", "5");
        ServiceConfig config = ServiceProperties.config(p);
        Topics topics = Topics.of(config);

        // when
        try (Admin admin = new KafkaClients(config).admin()) {
            TopicAdmin.createAll(admin, config);

            // then: partitions and configs as the registry says
            Map<String, TopicDescription> described = admin.describeTopics(
                    topics.all().stream().map(Topic::name).toList()).allTopicNames().get();
            assertThat(described.get(topics.decisionVotes().name()).partitions()).hasSize(4);
            assertThat(described.get(topics.tradeClosed().name()).partitions()).hasSize(4);
            // the training topic, the commands and every per-model output: training.partitions
            for (Topic<?, ?> perModel : List.of(topics.training(), topics.commands(), topics.weightsUpdated(),
                    topics.trainingLog(), topics.agentPerformance(), topics.weightSnapshots(), topics.alerts(),
                    topics.checkpoints(), topics.commandResults())) {
                assertThat(described.get(perModel.name()).partitions()).as(perModel.name()).hasSize(5);
            }
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topics.agentPerformance().name());
            assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource).get("cleanup.policy").value())
                    .isEqualTo("compact");
        }
        // and an idempotent producer's first records to every new input partition are written at once
        try (var producer = new KafkaProducer<>(TestProducers.config(kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            var sends = TestProducers.checked(producer);
            for (int partition = 0; partition < 4; partition++) {
                sends.send(new ProducerRecord<>(topics.decisionVotes().name(), partition, null, new byte[]{1}));
                sends.send(new ProducerRecord<>(topics.tradeClosed().name(), partition, null, new byte[]{2}));
            }
            sends.awaitAll();
            assertThat(sends.sent()).isEqualTo(8);
        }
    }

    @Test
    void aTrainingTopicOfAnotherPartitionCountIsRefusedWithWhatToDoNotReKeyed(TestKafka kafka, @TempDir Path state)
            throws Exception {
        // given: the training topic exists with 2 partitions, the configuration says 3
        Properties p = ServiceProperties.isolated(TestNames.unique("topic-shape"), kafka,
                "http://localhost:1/apis/registry/v3", state);
        p.setProperty("training.partitions", "3");
        ServiceConfig config = ServiceProperties.config(p);
        try (Admin admin = new KafkaClients(config).admin()) {
            admin.createTopics(List.of(new NewTopic(config.topics().training(), 2, (short) 1))).all().get();

            // when / then: refused, saying both counts and the two ways out
            assertThatThrownBy(() -> TopicAdmin.createAll(admin, config))
                    .hasMessageContaining(config.topics().training()).hasMessageContaining("has 2 partitions")
                    .hasMessageContaining("training.partitions is 3").hasMessageContaining("set training.partitions=2")
                    .hasMessageContaining("export").hasMessageContaining("import");
            // and the topic is left as it was
            assertThat(admin.describeTopics(List.of(config.topics().training())).allTopicNames().get()
                    .get(config.topics().training()).partitions()).hasSize(2);
        }
    }

    @Test
    void waitingForATopicThatNeverComesFailsNamingIt(TestKafka kafka) throws Exception {
        try (Admin admin = kafka.admin()) {
            assertThatThrownBy(() -> TopicAdmin.awaitLeaders(admin, List.of("never-created-topic"), Duration.ofMillis(500)))
                    .hasMessageContaining("never-created-topic").hasMessageContaining("not ready");
        }
    }
}
