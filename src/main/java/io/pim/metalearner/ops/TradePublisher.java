package io.pim.metalearner.ops;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.stream.AvroSerdes;
import io.pim.metalearner.stream.FeedbackEvents;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Plays the broker side: publishes trades, given as the seed's feedback bodies, as the two events
 * the service consumes, {@code decision-votes} then {@code trade-closed}, keyed by decision id.
 *
 * <p>Invalid values are published as they are: the stream validates and dead-letters them. A line
 * the Avro contract cannot hold ({@link FeedbackEvents.Unmappable}, e.g. not JSON) is published as
 * its raw bytes on {@code trade-closed}, so the stream dead-letters it as undecodable and every
 * line still ends as exactly one outcome there: trained or dead-lettered.
 *
 * <p>One producer for both topics, so a trade's votes are sent before its close; idempotent with
 * acks=all, so a retry neither loses nor duplicates nor reorders.
 */
public final class TradePublisher implements AutoCloseable {
    /** What happened to one line. */
    public enum Outcome { PUBLISHED, UNREADABLE }

    private final KafkaProducer<String, byte[]> producer;
    private final AvroKafkaSerializer<DecisionVotes> votesSerializer = new AvroKafkaSerializer<>();
    private final AvroKafkaSerializer<TradeClosed> closeSerializer = new AvroKafkaSerializer<>();
    private final String votesTopic;
    private final String closedTopic;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    public TradePublisher(String bootstrapServers, String registryUrl, String votesTopic, String closedTopic) {
        this(bootstrapServers, registryUrl, votesTopic, closedTopic, 5);
    }

    /** @param lingerMs the producer's batching delay: 5 ms for throughput, 0 to measure latency */
    public TradePublisher(String bootstrapServers, String registryUrl, String votesTopic, String closedTopic,
                          int lingerMs) {
        this.votesTopic = votesTopic;
        this.closedTopic = closedTopic;
        Map<String, Object> serdeConfig = AvroSerdes.config(registryUrl);
        votesSerializer.configure(serdeConfig, false);
        closeSerializer.configure(serdeConfig, false);
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, lingerMs,
                ProducerConfig.CLIENT_ID_CONFIG, "metalearner-trade-publisher"),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Publishes one feedback body: its votes, then its close. */
    public Outcome publish(String line) {
        FeedbackEvents.Pair pair;
        try {
            pair = FeedbackEvents.parse(line, Instant.now());
        } catch (FeedbackEvents.Unmappable e) {
            send(closedTopic, e.decisionId().orElse(null), line.getBytes(StandardCharsets.UTF_8));
            return Outcome.UNREADABLE;
        }
        publishVotes(pair);
        publishClose(pair);
        return Outcome.PUBLISHED;
    }

    public void publishVotes(FeedbackEvents.Pair pair) {
        send(votesTopic, pair.decisionId(), votesSerializer.serialize(votesTopic, pair.votes()));
    }

    public void publishClose(FeedbackEvents.Pair pair) {
        send(closedTopic, pair.decisionId(), closeSerializer.serialize(closedTopic, pair.close()));
    }

    private void send(String topic, String key, byte[] value) {
        throwIfFailed();
        producer.send(new ProducerRecord<>(topic, key, value), (metadata, e) -> {
            if (e != null) failure.compareAndSet(null, e);
        });
    }

    /** Waits until everything sent is acknowledged; throws the first send failure, if any. */
    public void flush() {
        producer.flush();
        throwIfFailed();
    }

    private void throwIfFailed() {
        Exception e = failure.get();
        if (e != null) throw new IllegalStateException("publishing to Kafka failed: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        producer.close();
        votesSerializer.close();
        closeSerializer.close();
    }
}
