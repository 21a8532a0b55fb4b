package io.pim.metalearner.kafka;

import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.HeldRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Where unusable records go: a {@link DeadLetter} with the original key and value bytes, where
 * they came from and why, on the dead-letter topic (key: the original key bytes), plus a count per
 * reason in the processor's count store. The stream goes on.
 */
public final class DeadLetters {
    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    /** A record whose key is not its value's decision_id: it may sit on the wrong partition to join. */
    public static final String KEY_MISMATCH = "key-mismatch";
    /** A model-keyed record in a partition its key does not hash to: its model's task would never see it. */
    public static final String WRONG_PARTITION = "wrong-partition";
    /** A close without its model where inputs are keyed by model id. */
    public static final String MODEL_MISSING = "model-missing";

    private final ProcessorContext<Object, Object> context;
    private final String sinkName;
    private final CountStore counts;
    // The first dead letter of each reason is a warning; the rest are counted quietly.
    private final Set<String> warned = new HashSet<>();

    public DeadLetters(ProcessorContext<Object, Object> context, String sinkName, CountStore counts) {
        this.context = context;
        this.sinkName = sinkName;
        this.counts = counts;
    }

    /** Dead-letters the record being processed. */
    public void send(Record<byte[], byte[]> record, String reason, String detail) {
        RecordMetadata m = context.recordMetadata().orElseThrow();
        send(m.topic(), m.partition(), m.offset(), record.key(), record.value(), reason, detail);
    }

    /** Dead-letters a record held in a store (e.g. from a punctuator). */
    public void send(HeldRecord held, String reason, String detail) {
        send(held.getTopic(), held.getPartition(), held.getOffset(), bytes(held.getKey()), bytes(held.getValue()),
                reason, detail);
    }

    private void send(String topic, int partition, long offset, byte[] key, byte[] value, String reason, String detail) {
        long now = context.currentSystemTimeMs();
        DeadLetter letter = letter(topic, partition, offset, key, value, reason, detail, now);
        context.forward(new Record<Object, Object>(key, letter, now), sinkName);
        counts.increment(CountStore.DEAD_LETTER_PREFIX + reason);
        if (warned.add(reason)) {
            log.warn("dead-lettered {}-{}@{}: {} ({}); further '{}' dead letters are only counted",
                    topic, partition, offset, reason, detail, reason);
        } else {
            log.debug("dead-lettered {}-{}@{}: {} ({})", topic, partition, offset, reason, detail);
        }
    }

    /**
     * The one shape of a dead letter, for the stream and the JDBI writer alike: the original key and
     * value bytes, where they came from, why, and when.
     */
    public static DeadLetter letter(String topic, int partition, long offset, byte[] key, byte[] value,
                                    String reason, String detail, long timeMs) {
        return DeadLetter.newBuilder()
                .setSourceTopic(topic).setSourcePartition(partition).setSourceOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setReason(reason).setDetail(detail == null ? "" : detail)
                .setTimestamp(Instant.ofEpochMilli(timeMs))
                .build();
    }

    /** A copy of the bytes a buffer holds (a decoded Avro {@code bytes} field), null for null. */
    public static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) return null;
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
