package io.pim.metalearner.api;

import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.Rejection;
import io.pim.metalearner.stream.FeedbackEvents;
import io.pim.metalearner.stream.ServiceConfig;
import io.pim.metalearner.stream.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feedback bridge over Kafka: publishes a body as the broker side's two events (votes, then
 * close, both keyed by decision id) and completes the request when the stream's answer for that
 * decision shows up: its {@code weights-updated}, or a dead letter of its close. One background
 * consumer reads both topics from their end (read_committed, no group) for all requests.
 */
public final class StreamFeedbackGateway implements FeedbackGateway, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamFeedbackGateway.class);

    private final Topics topics;
    private final String defaultModelId;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PendingAnswers pending;
    private final Thread thread;
    private volatile boolean running = true;

    /** @param maxWait how long a request waits for its answer at most (the API's feedback timeout) */
    public StreamFeedbackGateway(ServiceConfig config, Topics topics, Duration maxWait) {
        this.topics = topics;
        this.defaultModelId = config.defaultModelId();
        this.pending = new PendingAnswers(maxWait);
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0),
                new StringSerializer(), new ByteArraySerializer());
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // positioned at the end before any request is accepted, so no answer can be missed
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.weightsUpdated().name(), topics.deadLetter().name())) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        this.thread = new Thread(this::watch, "feedback-answers");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Publishes the feedback unless a request for the same decision is in flight here, whose answer
     * it then shares ({@link PendingAnswers}).
     */
    @Override
    public CompletableFuture<Outcome> submit(Feedback feedback) {
        FeedbackEvents.Pair pair;
        try {
            pair = FeedbackEvents.parse(feedback.body(), Instant.now());
        } catch (FeedbackEvents.Unmappable e) {
            // the learner's parser accepted it, so the contract can carry it: a bug, not bad input
            return CompletableFuture.failedFuture(new IllegalStateException("validated body not mappable: " + e.getMessage(), e));
        }
        String id = pair.decisionId();
        // the join's rule: a body without a model_id trains the default model
        String named = pair.votes().getModelId();
        String modelId = named == null || named.isBlank() ? defaultModelId : named;
        PendingAnswers.Wait wait = pending.await(id, modelId, System.currentTimeMillis());
        if (wait.first()) {
            send(topics.decisionVotes().name(), id, topics.decisionVotes().valueSerde().serializer()
                    .serialize(topics.decisionVotes().name(), pair.votes()), wait.shared());
            send(topics.tradeClosed().name(), id, topics.tradeClosed().valueSerde().serializer()
                    .serialize(topics.tradeClosed().name(), pair.close()), wait.shared());
        }
        return wait.answer();
    }

    private void send(String topic, String key, byte[] value, CompletableFuture<Outcome> answer) {
        producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
            if (error != null) answer.completeExceptionally(error);
        });
    }

    private void watch() {
        var weights = topics.weightsUpdated().valueSerde().deserializer();
        var deadLetters = topics.deadLetter().valueSerde().deserializer();
        String weightsTopic = topics.weightsUpdated().name();
        String closesTopic = topics.tradeClosed().name();
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (pending.isEmpty() || record.value() == null) continue;
                    try {
                        if (record.topic().equals(weightsTopic)) {
                            WeightsUpdated w = weights.deserialize(record.topic(), record.value());
                            pending.trained(w.getDecisionId(), w.getTimestamp().toEpochMilli(), new Trained(w.getModelId(),
                                    w.getTrainingStep(), w.getPredictedReturn(), w.getActualReturn(), w.getLoss(),
                                    new LinkedHashMap<>(w.getAgentWeights())));
                        } else {
                            DeadLetter d = deadLetters.deserialize(record.topic(), record.value());
                            // only the close decides a request; a dead-lettered vote is followed by its close's
                            if (!d.getSourceTopic().equals(closesTopic) || d.getKey() == null) continue;
                            String id = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes(d.getKey()))).toString();
                            pending.refused(id, d.getTimestamp().toEpochMilli(), d.getReason().equals(Rejection.DUPLICATE.code)
                                    ? new AlreadyTrained(id) : new Rejected(d.getReason(), d.getDetail()));
                        }
                    } catch (RuntimeException e) {
                        log.warn("skipping an unreadable record at {}-{}@{}: {}", record.topic(), record.partition(),
                                record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) throw e;
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        pending.failAll(new IllegalStateException("feedback gateway closed"));
    }
}
