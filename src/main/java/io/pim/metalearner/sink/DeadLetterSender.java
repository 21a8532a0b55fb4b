package io.pim.metalearner.sink;

import io.pim.metalearner.avro.DeadLetter;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends dead letters to the dead-letter topic and waits until the broker has taken each: only
 * then may a consumer commit past the records they stand for. Keyed by the original record's
 * key, as the stream's dead letters are. A letter not taken stays in the caller's list for the
 * next try; the broker or the registry (the dead letter's schema) being away is
 * {@link Unavailable}, to be waited for; any other refusal is an error, so that the caller stops
 * with its offsets uncommitted and the record is read again, never lost silently.
 */
final class DeadLetterSender implements AutoCloseable {
    private final Producer<byte[], DeadLetter> producer;
    private final String topic;
    private final AtomicLong sent = new AtomicLong();

    private final java.util.function.Consumer<String> onSent;

    /** @param onSent told the reason of each dead letter the broker took */
    DeadLetterSender(Producer<byte[], DeadLetter> producer, String topic, java.util.function.Consumer<String> onSent) {
        this.producer = producer;
        this.topic = topic;
        this.onSent = onSent;
    }

    /** Sends them all and waits for the acks; on return or on a throw, {@code letters} holds those not taken. */
    void sendAll(List<DeadLetter> letters) throws InterruptedException {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        Throwable failure = null;
        for (DeadLetter letter : letters) {
            try {
                acks.add(producer.send(new ProducerRecord<>(topic, bytes(letter.getKey()), letter)));
            } catch (RuntimeException e) { // before it left: serializing (registry) or waiting for metadata
                failure = e;
                break;
            }
        }
        List<DeadLetter> notTaken = new ArrayList<>();
        for (int i = 0; i < letters.size(); i++) {
            if (i >= acks.size()) {
                notTaken.add(letters.get(i));
                continue;
            }
            try {
                acks.get(i).get();
                sent.incrementAndGet();
                onSent.accept(letters.get(i).getReason());
            } catch (ExecutionException e) {
                notTaken.add(letters.get(i));
                if (failure == null) failure = e.getCause();
            }
        }
        letters.clear();
        letters.addAll(notTaken);
        if (failure == null) return;
        if (isPassing(failure)) throw new Unavailable("the dead-letter topic " + topic, failure);
        throw new IllegalStateException(notTaken.size() + " dead letter(s) not taken by topic " + topic + " (" + Unavailable.rootMessage(failure)
                + "); the writer stops without committing this batch, so its records are read again by the next writer", failure);
    }

    /** Dead letters the broker has taken so far. */
    long sent() {
        return sent.get();
    }

    /** A broker or registry that is away for now: Kafka's retriable errors (timeouts included) and I/O errors. */
    private static boolean isPassing(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof RetriableException || cause instanceof java.io.IOException) return true;
        }
        return false;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) return null;
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
