package io.pim.metalearner.testing;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Producing in a test, with every send checked: a record the broker did not take fails the test
 * at once, naming the record and the reason, instead of leaving it to wait for output that can
 * never come. Producers built on {@link #config(String)} give up on a record after
 * {@link #DELIVERY_TIMEOUT}, so that reason arrives in bounded time.
 */
public final class TestProducers {
    /** How long a producer keeps retrying one record before reporting it failed. */
    public static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);
    /** How long a test waits for a send's result: past the delivery timeout, so it gets the producer's reason. */
    private static final Duration RESULT_TIMEOUT = DELIVERY_TIMEOUT.plusSeconds(30);

    private TestProducers() {
    }

    /** A producer's base settings: the broker, every replica's ack, and the bounded delivery timeout. */
    public static Map<String, Object> config(String bootstrapServers) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        return config;
    }

    /** Sends one record and waits until the broker has it; fails with the reason if it does not. */
    public static <K, V> RecordMetadata sendAndWait(Producer<K, V> producer, ProducerRecord<K, V> record) {
        try {
            return producer.send(record).get(RESULT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw notWritten(record, e.getCause());
        } catch (TimeoutException e) {
            throw notWritten(record, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw notWritten(record, e);
        }
    }

    /** Sends through {@code producer} whose results are checked together by {@link Sends#awaitAll()}. */
    public static <K, V> Sends<K, V> checked(Producer<K, V> producer) {
        return new Sends<>(producer);
    }

    /** Many sends in flight at once (they stay batched and fast), each result recorded as it comes. */
    public static final class Sends<K, V> {
        private final Producer<K, V> producer;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong written = new AtomicLong();
        private final Queue<AssertionError> failures = new ConcurrentLinkedQueue<>();

        private Sends(Producer<K, V> producer) {
            this.producer = producer;
        }

        public void send(ProducerRecord<K, V> record) {
            sent.incrementAndGet();
            producer.send(record, (metadata, error) -> {
                if (error == null) written.incrementAndGet();
                else failures.add(notWritten(record, error));
            });
        }

        /** Records sent so far. */
        public long sent() {
            return sent.get();
        }

        /**
         * Flushes the producer and fails with the first record the broker did not take, and why.
         * (A transactional producer's commit flushes too; call this after it, or before an abort.)
         */
        public void awaitAll() {
            producer.flush();
            AssertionError first = failures.peek();
            if (first != null) {
                throw new AssertionError(failures.size() + " of " + sent + " records not written; first: "
                        + first.getMessage(), first.getCause());
            }
            if (written.get() != sent.get()) {
                throw new AssertionError("flushed, but only " + written + " of " + sent + " records acknowledged");
            }
        }
    }

    private static AssertionError notWritten(ProducerRecord<?, ?> record, Throwable reason) {
        return new AssertionError("record to " + record.topic() + (record.partition() == null ? "" : "-" + record.partition())
                + " (key " + describe(record.key()) + ") was not written: " + reason, reason);
    }

    private static String describe(Object key) {
        if (key instanceof byte[] bytes) return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        return String.valueOf(key);
    }
}
