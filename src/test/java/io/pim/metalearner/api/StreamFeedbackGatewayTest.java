package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.testing.Await;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The answer consumer's recovery, with Kafka's mock clients: a failure is not the end of the
 * answers (before, the thread died and every POST got 202 from then on).
 */
class StreamFeedbackGatewayTest {

    private final Topics topics = Topics.of(ServiceConfig.of("localhost:1", "http://localhost:1/apis/registry/v3"));
    private final TopicPartition weights = new TopicPartition(topics.weightsUpdated().name(), 0);
    private final TopicPartition deadLetters = new TopicPartition(topics.deadLetter().name(), 0);

    private MockConsumer<byte[], byte[]> consumerWithEndAt(long end) {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("latest");
        for (TopicPartition p : List.of(weights, deadLetters)) {
            consumer.updatePartitions(p.topic(), List.of(new PartitionInfo(p.topic(), p.partition(), null, null, null)));
            consumer.updateEndOffsets(Map.of(p, end));
        }
        return consumer;
    }

    @Test
    void aFailedAnswerConsumerIsReplacedAndTheNewOneResumesWhereTheOldOneStopped() throws Exception {
        // given a gateway reading the answer topics from their end (offset 5)
        MockConsumer<byte[], byte[]> first = consumerWithEndAt(5);
        MockConsumer<byte[], byte[]> second = consumerWithEndAt(9); // answers were written meanwhile
        Queue<MockConsumer<byte[], byte[]>> made = new ArrayDeque<>(List.of(first, second));
        try (StreamFeedbackGateway gateway = new StreamFeedbackGateway(topics, "default", LearnerConfig.DEFAULT_ROSTER, Duration.ofSeconds(5),
                new MockProducer<>(), made::remove, Duration.ofMillis(20))) {
            assertThat(gateway.answering()).isTrue();

            // when its consumer fails with something other than a wakeup
            first.setPollException(new KafkaException("the broker went away"));

            // then the failed one is closed and a new one reads on, from offset 5, not from the new end
            Await.until("a second answer consumer, answering", Duration.ofSeconds(60),
                    () -> gateway.restarts() == 1 && gateway.answering() && made.isEmpty());
            assertThat(first.closed()).isTrue();
            assertThat(second.position(weights)).isEqualTo(5);
            assertThat(second.position(deadLetters)).isEqualTo(5);
        }
        assertThat(second.closed()).isTrue();
    }
}
