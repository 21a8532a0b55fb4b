package io.pim.metalearner.stream;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.ByteBuffer;

/**
 * Where a training-topic record stands in its partition, as the training rules count: the offset
 * of the model's last record (candidates, {@code stale-candidate}), every output's
 * {@code source_offset}, which the PostgreSQL upserts order rows by.
 * <p>
 * Read back from the topic (inputs keyed by decision id) a record's position is its offset. With
 * inputs keyed by model id the task that writes a record trains it in the same transaction, before
 * the broker has given it an offset, so the task numbers its records itself and writes the number
 * in the record's {@value #HEADER} header: one more per record, starting at the partition's end
 * offset when the task first numbered (so positions continue above the offsets before them, and,
 * a commit marker taking an offset too, never pass the offsets after them). A replay reads the
 * header where there is one, and so counts exactly as the live task did.
 */
public final class TrainingPositions {
    public static final String HEADER = "metalearner-position";

    private TrainingPositions() {
    }

    /** The record's position: its header's number, else its offset. */
    public static long of(Headers headers, long offset) {
        Header h = headers == null ? null : headers.lastHeader(HEADER);
        return h == null || h.value() == null || h.value().length != 8 ? offset : ByteBuffer.wrap(h.value()).getLong();
    }

    static byte[] encode(long position) {
        return ByteBuffer.allocate(8).putLong(position).array();
    }

    /**
     * The record being trained as the training topic holds it: read from there, the record's own
     * metadata; handed over by the join in the same task, the training topic, the same partition
     * number (the inputs are partitioned like it) and the position in its header.
     */
    static RecordMetadata source(RecordMetadata read, Headers headers, String trainingTopic) {
        if (read.topic().equals(trainingTopic) || headers.lastHeader(HEADER) == null) return read;
        long position = of(headers, read.offset());
        return new RecordMetadata() {
            @Override
            public String topic() {
                return trainingTopic;
            }

            @Override
            public int partition() {
                return read.partition();
            }

            @Override
            public long offset() {
                return position;
            }
        };
    }
}
