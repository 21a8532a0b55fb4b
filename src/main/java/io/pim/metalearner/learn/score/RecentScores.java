package io.pim.metalearner.learn.score;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's last scored decisions, for the dashboard: what it predicted at vote time and, once
 * the trade closed and the model trained on it, what the position actually returned. Bounded, and
 * kept beside the learning curve (not in the learner state, so it never changes a fingerprint).
 */
public final class RecentScores {

    /**
     * @param scoredAfterStep the model's step when it scored
     * @param actualReturn    NaN until the model trained on the decision's close
     * @param trainedAtStep   the step that learned from the close; -1 until then
     */
    public record Entry(String decisionId, long scoredAfterStep, double predictedReturn, double committeeLearned,
                        double committeeUniform, double actualReturn, long trainedAtStep) {
        public boolean closed() {
            return trainedAtStep >= 0;
        }
    }

    private static final int FORMAT_VERSION = 1;
    private static final int FIXED_BYTES = 4 + 8 + 4 * 8 + 8;

    private final int capacity;
    // a few dozen entries: a list shifted on overflow costs nothing next to encoding them
    private final List<Entry> entries = new ArrayList<>();

    public RecentScores(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("recent scores capacity " + capacity + ": must be at least 1");
        this.capacity = capacity;
    }

    public void add(String decisionId, VoteScore score) {
        add(new Entry(decisionId, score.step(), score.predictedReturn(), score.committeeLearned(),
                score.committeeUniform(), Double.NaN, -1));
    }

    /** Adds an entry as the newest, dropping the oldest when full. */
    public void add(Entry entry) {
        if (entries.size() == capacity) entries.remove(0);
        entries.add(entry);
    }

    /**
     * Records the outcome of a scored decision; returns its position in {@link #entries()}, or -1 if
     * it is not among the recent ones (or already closed).
     */
    public int settle(String decisionId, double actualReturn, long trainedAtStep) {
        // newest first: a decision is scored shortly before it closes
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (!e.decisionId().equals(decisionId) || e.closed()) continue;
            entries.set(i, new Entry(e.decisionId(), e.scoredAfterStep(), e.predictedReturn(), e.committeeLearned(),
                    e.committeeUniform(), actualReturn, trainedAtStep));
            return i;
        }
        return -1;
    }

    public int size() {
        return entries.size();
    }

    /** @param index position in {@link #entries()}, oldest first */
    public Entry entry(int index) {
        return entries.get(index);
    }

    /** Oldest first. */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public int encodedSize() {
        int size = 4 + 4;
        for (Entry e : entries) size += FIXED_BYTES + e.decisionId().getBytes(StandardCharsets.UTF_8).length;
        return size;
    }

    /** Big-endian: version, count, then per entry (oldest first) id length and UTF-8 bytes, step, four doubles, step. */
    public void encode(ByteBuffer out) {
        out.putInt(FORMAT_VERSION).putInt(entries.size());
        for (Entry e : entries) put(out, e);
    }

    /** One entry as {@link #encode} writes it, for a store that keeps entries one by one. */
    public static byte[] encode(Entry e) {
        ByteBuffer out = ByteBuffer.allocate(FIXED_BYTES + e.decisionId().getBytes(StandardCharsets.UTF_8).length);
        put(out, e);
        return out.array();
    }

    private static void put(ByteBuffer out, Entry e) {
        byte[] id = e.decisionId().getBytes(StandardCharsets.UTF_8);
        out.putInt(id.length).put(id).putLong(e.scoredAfterStep())
                .putDouble(e.predictedReturn()).putDouble(e.committeeLearned()).putDouble(e.committeeUniform())
                .putDouble(e.actualReturn()).putLong(e.trainedAtStep());
    }

    /** @throws IllegalArgumentException if the bytes are not one entry */
    public static Entry decodeEntry(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            Entry e = get(in);
            if (in.hasRemaining()) throw new IllegalArgumentException("a recent score with " + in.remaining() + " bytes too many");
            return e;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("a recent score is truncated", e);
        }
    }

    private static Entry get(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) throw new IllegalArgumentException("a decision id of " + length + " bytes");
        byte[] id = new byte[length];
        in.get(id);
        return new Entry(new String(id, StandardCharsets.UTF_8), in.getLong(), in.getDouble(), in.getDouble(),
                in.getDouble(), in.getDouble(), in.getLong());
    }

    /**
     * Reads what {@link #encode} wrote, keeping the newest {@code capacity} entries.
     *
     * @throws IllegalArgumentException if the bytes are not recent scores this version can read
     */
    public static RecentScores decode(ByteBuffer in, int capacity) {
        try {
            int version = in.getInt();
            if (version != FORMAT_VERSION) throw new IllegalArgumentException("unknown recent scores format " + version);
            int count = in.getInt();
            if (count < 0 || (long) count * FIXED_BYTES > in.remaining()) {
                throw new IllegalArgumentException("recent scores claim " + count + " entries");
            }
            RecentScores scores = new RecentScores(capacity);
            for (int i = 0; i < count; i++) scores.add(get(in));
            return scores;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("recent scores are truncated", e);
        }
    }
}
