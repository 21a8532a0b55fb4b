package io.pim.metalearner.learn.score;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The last steps of a model's learning, for the status endpoint and the dashboard: a bounded
 * history kept next to the learner state (so another instance or a restart shows the same curve).
 * A ring of primitive columns: it is added to and encoded on every training step.
 */
public final class LearningCurve {

    /** One step: its training loss, the rolling loss after it, and the prequential prediction vs the outcome. */
    public record Point(long step, double loss, double rollingLoss, double predictedReturn, double actualReturn) {
    }

    private static final int FORMAT_VERSION = 1;
    private static final int POINT_BYTES = 8 + 4 * 8;

    private final long[] steps;
    private final double[] loss, rollingLoss, predicted, actual;
    private int oldest, size;

    public LearningCurve(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("curve capacity " + capacity + ": must be at least 1");
        steps = new long[capacity];
        loss = new double[capacity];
        rollingLoss = new double[capacity];
        predicted = new double[capacity];
        actual = new double[capacity];
    }

    public void add(StepResult step) {
        add(step.step(), step.loss(), step.rollingLoss(), step.predictedReturn(), step.actualReturn());
    }

    public void add(Point p) {
        add(p.step(), p.loss(), p.rollingLoss(), p.predictedReturn(), p.actualReturn());
    }

    private void add(long step, double l, double rolling, double p, double a) {
        int capacity = steps.length;
        int at = (oldest + size) % capacity;
        if (size == capacity) oldest = (oldest + 1) % capacity; else size++;
        steps[at] = step;
        loss[at] = l;
        rollingLoss[at] = rolling;
        predicted[at] = p;
        actual[at] = a;
    }

    public int size() {
        return size;
    }

    /** The newest point; the curve must not be empty. */
    public Point newest() {
        if (size == 0) throw new IllegalStateException("the curve is empty");
        int at = (oldest + size - 1) % steps.length;
        return new Point(steps[at], loss[at], rollingLoss[at], predicted[at], actual[at]);
    }

    /** Oldest first. */
    public List<Point> points() {
        List<Point> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int at = (oldest + i) % steps.length;
            out.add(new Point(steps[at], loss[at], rollingLoss[at], predicted[at], actual[at]));
        }
        return List.copyOf(out);
    }

    public int encodedSize() {
        return 4 + 4 + size * POINT_BYTES;
    }

    /** Big-endian: version, count, then per point (oldest first) step, loss, rolling loss, predicted, actual. */
    public void encode(ByteBuffer out) {
        out.putInt(FORMAT_VERSION).putInt(size);
        for (int i = 0; i < size; i++) {
            int at = (oldest + i) % steps.length;
            out.putLong(steps[at]).putDouble(loss[at]).putDouble(rollingLoss[at])
                    .putDouble(predicted[at]).putDouble(actual[at]);
        }
    }

    /** One point as {@link #encode} writes it, for a store that keeps points one by one. */
    public static byte[] encode(Point p) {
        return ByteBuffer.allocate(POINT_BYTES).putLong(p.step()).putDouble(p.loss()).putDouble(p.rollingLoss())
                .putDouble(p.predictedReturn()).putDouble(p.actualReturn()).array();
    }

    /** @throws IllegalArgumentException if the bytes are not one point */
    public static Point decodePoint(byte[] bytes) {
        if (bytes.length != POINT_BYTES) throw new IllegalArgumentException("a curve point of " + bytes.length + " bytes");
        ByteBuffer in = ByteBuffer.wrap(bytes);
        return new Point(in.getLong(), in.getDouble(), in.getDouble(), in.getDouble(), in.getDouble());
    }

    /**
     * Reads what {@link #encode} wrote into a curve of the given capacity, keeping the newest points.
     *
     * @throws IllegalArgumentException if the bytes are not a curve this version can read
     */
    public static LearningCurve decode(ByteBuffer in, int capacity) {
        try {
            int version = in.getInt();
            if (version != FORMAT_VERSION) throw new IllegalArgumentException("unknown learning curve format " + version);
            int count = in.getInt();
            if (count < 0 || (long) count * POINT_BYTES > in.remaining()) {
                throw new IllegalArgumentException("learning curve claims " + count + " points");
            }
            LearningCurve curve = new LearningCurve(capacity);
            for (int i = 0; i < count; i++) {
                curve.add(in.getLong(), in.getDouble(), in.getDouble(), in.getDouble(), in.getDouble());
            }
            return curve;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("learning curve is truncated", e);
        }
    }
}
