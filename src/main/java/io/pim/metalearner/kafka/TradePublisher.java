package io.pim.metalearner.kafka;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Plays the broker side: publishes a trade as the two events the service consumes,
 * {@code decision-votes} then {@code trade-closed}, keyed as the service expects
 * ({@link InputKeys}: by decision id, or by model id with the close naming its model). The one
 * publisher of trades, used by the demo, {@code simulate} and the HTTP feedback gateway.
 *
 * <p>Invalid values are published as they are: the stream validates and dead-letters them. A line
 * the Avro contract cannot hold ({@link FeedbackEvents.Unmappable}, e.g. not JSON) is published as
 * its raw bytes on {@code trade-closed}, so the stream dead-letters it as undecodable and every
 * line still ends as exactly one outcome there: trained or dead-lettered.
 *
 * <p>One producer for both topics, so a trade's votes are sent before its close; idempotent with
 * acks=all, so a retry neither loses nor duplicates nor reorders. Every send is checked: the
 * futures say when a trade is written, and {@link #flush()} throws the first failure. A batch
 * publisher (demo, {@code simulate}) also refuses to send after a failure, so a stream with a gap
 * is never published; a request publisher (the gateway) fails only the request whose send failed.
 */
public final class TradePublisher implements AutoCloseable {
    /** What happened to one line. */
    public enum Outcome { PUBLISHED, UNREADABLE }

    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final boolean batch;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    /** A batch publisher; {@code lingerMs} is the producer's batching delay: 5 ms for throughput, 0 to measure latency. */
    public static TradePublisher batch(KafkaClients clients, Topics topics, int lingerMs) {
        return new TradePublisher(clients.producer("metalearner-trade-publisher", new StringSerializer(),
                new ByteArraySerializer(), Map.of(ProducerConfig.LINGER_MS_CONFIG, lingerMs)), topics, true);
    }

    /** A request publisher on a producer of its own (closed with it); tests pass a {@code MockProducer}. */
    public static TradePublisher requests(Producer<String, byte[]> producer, Topics topics) {
        return new TradePublisher(producer, topics, false);
    }

    private TradePublisher(Producer<String, byte[]> producer, Topics topics, boolean batch) {
        this.producer = producer;
        this.topics = topics;
        this.batch = batch;
    }

    /** Publishes one feedback body: its votes, then its close. */
    public Outcome publish(String line) {
        FeedbackEvents.Pair pair;
        try {
            pair = FeedbackEvents.parse(line, Instant.now());
        } catch (FeedbackEvents.Unmappable e) {
            send(topics.tradeClosed().name(), e.decisionId().orElse(null), line.getBytes(StandardCharsets.UTF_8));
            return Outcome.UNREADABLE;
        }
        publish(pair);
        return Outcome.PUBLISHED;
    }

    /** Votes, then close; completes when the broker has both. */
    public CompletableFuture<Void> publish(FeedbackEvents.Pair pair) {
        return CompletableFuture.allOf(publishVotes(pair), publishClose(pair));
    }

    public CompletableFuture<Void> publishVotes(FeedbackEvents.Pair pair) {
        Topic<String, ?> t = topics.decisionVotes();
        return send(t.name(), key(pair), topics.decisionVotes().valueSerde().serializer().serialize(t.name(), pair.votes()));
    }

    public CompletableFuture<Void> publishClose(FeedbackEvents.Pair pair) {
        Topic<String, ?> t = topics.tradeClosed();
        InputKeys keys = topics.inputKeys();
        // keyed by model, the close must name it (the model the votes name, or the default)
        if (keys.byModel()) pair.close().setModelId(keys.modelOf(pair.votes().getModelId()));
        return send(t.name(), key(pair), topics.tradeClosed().valueSerde().serializer().serialize(t.name(), pair.close()));
    }

    private String key(FeedbackEvents.Pair pair) {
        return topics.inputKeys().keyOf(pair.decisionId(), pair.votes().getModelId());
    }

    private CompletableFuture<Void> send(String topic, String key, byte[] value) {
        if (batch) throwIfFailed();
        CompletableFuture<Void> written = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic, key, value), (metadata, e) -> {
            if (e == null) {
                written.complete(null);
            } else {
                failure.compareAndSet(null, e);
                written.completeExceptionally(e);
            }
        });
        return written;
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
        producer.close(Duration.ofSeconds(5));
    }
}
