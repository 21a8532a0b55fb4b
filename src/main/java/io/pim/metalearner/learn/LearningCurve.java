package io.pim.metalearner.learn;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The last steps of a model's learning, for the status endpoint and the dashboard: a bounded
 * history kept next to the learner state (so another instance or a restart shows the same curve).
 */
public final class LearningCurve {

    /** One step: its training loss, the rolling loss after it, and the prequential prediction vs the outcome. */
    public record Point(long step, double loss, double rollingLoss, double predictedReturn, double actualReturn) {
    }

    private static final int FORMAT_VERSION = 1;

    private final int capacity;
    private final ArrayDeque<Point> points;

    public LearningCurve(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("curve capacity " + capacity + ": must be at least 1");
        this.capacity = capacity;
        this.points = new ArrayDeque<>(capacity);
    }

    public void add(StepResult step) {
        if (points.size() == capacity) points.removeFirst();
        points.addLast(new Point(step.step(), step.loss(), step.rollingLoss(), step.predictedReturn(), step.actualReturn()));
    }

    /** Oldest first. */
    public List<Point> points() {
        return List.copyOf(points);
    }

    public void encode(DataOutput out) throws IOException {
        out.writeInt(FORMAT_VERSION);
        out.writeInt(points.size());
        for (Point p : points) {
            out.writeLong(p.step());
            out.writeDouble(p.loss());
            out.writeDouble(p.rollingLoss());
            out.writeDouble(p.predictedReturn());
            out.writeDouble(p.actualReturn());
        }
    }

    /** Reads what {@link #encode} wrote into a curve of the given capacity, keeping the newest points. */
    public static LearningCurve decode(DataInput in, int capacity) throws IOException {
        int version = in.readInt();
        if (version != FORMAT_VERSION) throw new IOException("unknown learning curve format " + version);
        LearningCurve curve = new LearningCurve(capacity);
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            if (curve.points.size() == capacity) curve.points.removeFirst();
            curve.points.addLast(new Point(in.readLong(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble()));
        }
        return curve;
    }
}
