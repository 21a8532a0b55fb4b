package io.pim.metalearner.stream;

import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.score.DecisionTimeFigures;
import io.pim.metalearner.learn.score.LearningCurve;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.RecentScores;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertMonitor;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * What ops watch about one model, kept beside its learner in the {@link LearningTopology#MODEL_WATCH_STORE}
 * store and written in the same step: the alert detectors' state, the recent learning curve and the
 * recent decision scores (predicted at vote time, settled with the actual return when trained on).
 * Not in the learner's own state on purpose: the learner's bytes define the model's fingerprint,
 * and thresholds or curve length must be changeable without changing what the model is.
 * <p>
 * Stored by parts ({@link #write}, {@link #read}): a header per model in
 * {@link LearningTopology#MODEL_WATCH_STORE} (the alert detectors and how many points and scores
 * were ever added), and each curve point and recent score as its own entry in
 * {@link LearningTopology#MODEL_WATCH_PARTS_STORE}, in a ring of slots. A step then writes ~1 KB
 * instead of the whole ~26 KB watch, which was the largest cost of a step after the learning itself.
 */
public final class ModelMonitor {

    /** Steps of learning curve kept per model for the status endpoint and the dashboard. */
    public static final int CURVE_POINTS = 500;
    /** Scored decisions kept per model for the dashboard. */
    public static final int RECENT_SCORES = 50;

    /**
     * First int of a header; a whole watch (the format before parts) starts with its alerts' version, 1.
     * The format before decision-time figures was -2.
     */
    private static final int PARTS_FORMAT = -3, PARTS_FORMAT_WITHOUT_FIGURES = -2;

    /**
     * A trade settled: its figures judged at its decision ({@code judged}, null if it was not scored
     * then), the model's decision-time figures after it and its trades trained unscored, and the
     * alert transitions it caused.
     */
    public record Settled(StepResult judged, Metrics figures, long unscored, List<AlertEvent> alerts) {
    }

    private final AlertMonitor alerts;
    private final LearningCurve curve;
    private final RecentScores scores;
    /** The model's trades judged by their scores at the decision; null until the first trade trains. */
    private DecisionTimeFigures figures;
    /** Points and scores ever added; the n-th (from 0) is kept in slot n mod capacity. */
    private long pointsAdded, scoresAdded;
    /** What the store has: the points and scores added before these counts... */
    private long pointsWritten, scoresWritten;
    /** ...except these scores, settled since they were written (by their number). */
    private final TreeSet<Long> settledUnwritten = new TreeSet<>();

    private ModelMonitor(AlertMonitor alerts, LearningCurve curve, RecentScores scores) {
        this.alerts = alerts;
        this.curve = curve;
        this.scores = scores;
    }

    public static ModelMonitor fresh(AlertConfig config) {
        return new ModelMonitor(new AlertMonitor(config), new LearningCurve(CURVE_POINTS), new RecentScores(RECENT_SCORES));
    }

    /** Remembers a decision scored at vote time, until its close settles it. */
    public void onScore(String decisionId, VoteScore score) {
        scores.add(decisionId, score);
        scoresAdded++;
    }

    /**
     * Records a step whose trade was decided just before it trained, no other trade learned in
     * between: its prequential prediction is then its score at the decision.
     */
    public List<AlertEvent> onStep(StepResult step) {
        VoteScore atDecision = new VoteScore(step.step() - 1, null, step.predictedReturn(), 0, 0);
        return onStep(step, atDecision, 0, LearnerConfig.DEFAULT_WINDOW).alerts();
    }

    /**
     * Records a trained step, judged by the model's score at the trade's decision ({@code atDecision},
     * null if the decision was not scored: counted, it enters no decision-time figure and no loss
     * alert). The loss-rising and low-r2 alerts watch the decision-time error and R²; the drift
     * alert watches the training (prequential, close-time) error, as the learner's own regime
     * detector does, so the two fire at the same step.
     *
     * @param priceMove the trade's price move, for the committee's P&amp;L with the weights at the decision
     * @param window    the model's rolling window, for its first trade
     */
    public Settled onStep(StepResult step, VoteScore atDecision, double priceMove, int window) {
        curve.add(step);
        pointsAdded++;
        int settled = scores.settle(step.decisionId(), step.actualReturn(), step.step());
        if (settled >= 0) settledUnwritten.add(scoresAdded - scores.size() + settled);
        if (figures == null) figures = new DecisionTimeFigures(window);
        StepResult judged = null;
        double decisionError = Double.NaN;
        if (atDecision == null) {
            figures.countUnscored();
        } else {
            judged = figures.settle(atDecision, priceMove, step);
            decisionError = Math.pow(judged.predictedReturn() - judged.actualReturn(), 2);
        }
        Metrics now = figures.metrics(step.step());
        // the prequential squared error is what the loss alerts watch: the dropout loss is noisier
        double trainingError = Math.pow(step.predictedReturn() - step.actualReturn(), 2);
        List<AlertEvent> events = alerts.onStep(step.step(), decisionError, trainingError, now.rollingR2(),
                step.agentWeights());
        return new Settled(judged, now, figures.unscored(), events);
    }

    /** The model's decision-time figures, or null before its first trade trained. */
    public DecisionTimeFigures figures() {
        return figures;
    }

    public AlertMonitor alerts() {
        return alerts;
    }

    public LearningCurve curve() {
        return curve;
    }

    public RecentScores scores() {
        return scores;
    }

    /**
     * Writes what changed since the last write or read: the header always (the alerts change with
     * every step, and callers change them through {@link #alerts()}), new points, new and settled scores.
     */
    public void write(KeyValueStore<String, byte[]> headers, KeyValueStore<String, byte[]> parts, String modelId) {
        ByteBuffer header = ByteBuffer.allocate(4 + 2 * (4 + 8) + alerts.encodedSize() + figuresSize())
                .putInt(PARTS_FORMAT).putInt(CURVE_POINTS).putLong(pointsAdded).putInt(RECENT_SCORES).putLong(scoresAdded);
        alerts.encode(header);
        encodeFigures(header);
        headers.put(modelId, header.array());
        List<LearningCurve.Point> points = pointsAdded - pointsWritten > 1 ? curve.points() : null;
        for (long n = Math.max(pointsWritten, pointsAdded - curve.size()); n < pointsAdded; n++) {
            LearningCurve.Point p = points == null ? curve.newest() : points.get((int) (n - (pointsAdded - curve.size())));
            parts.put(partKey(modelId, 'c', n % CURVE_POINTS), LearningCurve.encode(p));
        }
        pointsWritten = pointsAdded;
        long first = scoresAdded - scores.size();
        for (long n = Math.max(scoresWritten, first); n < scoresAdded; n++) settledUnwritten.add(n);
        for (long n : settledUnwritten.tailSet(first)) {
            parts.put(partKey(modelId, 's', n % RECENT_SCORES), RecentScores.encode(scores.entry((int) (n - first))));
        }
        settledUnwritten.clear();
        scoresWritten = scoresAdded;
    }

    /**
     * The model's watch as {@link #write} left it (or as a whole watch from before parts, which the
     * next write then stores by parts); null if the model has none.
     *
     * @throws IllegalStateException if the stored bytes are unreadable
     */
    public static ModelMonitor read(ReadOnlyKeyValueStore<String, byte[]> headers, ReadOnlyKeyValueStore<String, byte[]> parts,
                                    String modelId, AlertConfig config) {
        byte[] header = headers.get(modelId);
        if (header == null) return null;
        ByteBuffer in = ByteBuffer.wrap(header);
        int format = header.length < 4 ? 0 : in.getInt();
        if (format != PARTS_FORMAT && format != PARTS_FORMAT_WITHOUT_FIGURES) {
            ModelMonitor whole = decode(header, config);
            whole.rebaseCounters();
            return whole;
        }
        try {
            int pointSlots = in.getInt();
            long pointsAdded = in.getLong();
            int scoreSlots = in.getInt();
            long scoresAdded = in.getLong();
            if (pointSlots < 1 || scoreSlots < 1 || pointsAdded < 0 || scoresAdded < 0) {
                throw new IllegalArgumentException("a header claiming " + pointsAdded + " points in " + pointSlots
                        + " slots and " + scoresAdded + " scores in " + scoreSlots);
            }
            AlertMonitor alerts = AlertMonitor.decode(in, config);
            DecisionTimeFigures figures = format == PARTS_FORMAT ? decodeFigures(in) : null;
            Map<String, byte[]> stored = new HashMap<>();
            String prefix = partPrefix(modelId);
            try (KeyValueIterator<String, byte[]> it = parts.prefixScan(prefix, new StringSerializer())) {
                while (it.hasNext()) {
                    KeyValue<String, byte[]> part = it.next();
                    stored.put(part.key.substring(prefix.length()), part.value);
                }
            }
            ModelMonitor watch = new ModelMonitor(alerts, new LearningCurve(CURVE_POINTS), new RecentScores(RECENT_SCORES));
            watch.figures = figures;
            for (long n = Math.max(0, pointsAdded - Math.min(pointSlots, CURVE_POINTS)); n < pointsAdded; n++) {
                watch.curve.add(LearningCurve.decodePoint(part(stored, 'c', n % pointSlots)));
            }
            for (long n = Math.max(0, scoresAdded - Math.min(scoreSlots, RECENT_SCORES)); n < scoresAdded; n++) {
                watch.scores.add(RecentScores.decodeEntry(part(stored, 's', n % scoreSlots)));
            }
            if (pointSlots == CURVE_POINTS && scoreSlots == RECENT_SCORES) {
                watch.pointsAdded = watch.pointsWritten = pointsAdded;
                watch.scoresAdded = watch.scoresWritten = scoresAdded;
            } else {
                watch.rebaseCounters(); // stored in rings of another size: stored again in this one
            }
            return watch;
        } catch (IllegalArgumentException | BufferUnderflowException e) {
            throw new IllegalStateException("model-watch state of '" + modelId + "' is unreadable: " + e.getMessage(), e);
        }
    }

    private int figuresSize() {
        return 1 + (figures == null ? 0 : figures.encodedSize());
    }

    /** A flag, then the figures if the model has any. */
    private void encodeFigures(ByteBuffer out) {
        out.put((byte) (figures == null ? 0 : 1));
        if (figures != null) figures.encode(out);
    }

    private static DecisionTimeFigures decodeFigures(ByteBuffer in) {
        return in.get() == 0 ? null : DecisionTimeFigures.decode(in);
    }

    /** Counts what is held as added and nothing as written yet, so the next write stores every part. */
    private void rebaseCounters() {
        pointsAdded = curve.size();
        scoresAdded = scores.size();
        pointsWritten = scoresWritten = 0;
    }

    private static byte[] part(Map<String, byte[]> stored, char kind, long slot) {
        byte[] bytes = stored.get(kind + Long.toString(slot));
        if (bytes == null) throw new IllegalArgumentException("part " + kind + slot + " is missing");
        return bytes;
    }

    /** Length first, so no model id is a prefix of another's parts whatever characters it holds. */
    private static String partPrefix(String modelId) {
        return modelId.length() + ":" + modelId + ":";
    }

    static String partKey(String modelId, char kind, long slot) {
        return partPrefix(modelId) + kind + slot;
    }

    /** The whole watch in one value: what instances send each other for a status, and the stored format before parts. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(alerts.encodedSize() + curve.encodedSize() + scores.encodedSize()
                + figuresSize());
        alerts.encode(out);
        curve.encode(out);
        scores.encode(out);
        encodeFigures(out);
        if (out.hasRemaining()) throw new IllegalStateException("model-watch size miscounted by " + out.remaining());
        return out.array();
    }

    public static ModelMonitor decode(byte[] bytes, AlertConfig config) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            AlertMonitor alerts = AlertMonitor.decode(in, config);
            LearningCurve curve = LearningCurve.decode(in, CURVE_POINTS);
            // a watch written before decisions were scored ends after its curve
            RecentScores scores = in.hasRemaining() ? RecentScores.decode(in, RECENT_SCORES) : new RecentScores(RECENT_SCORES);
            ModelMonitor watch = new ModelMonitor(alerts, curve, scores);
            // and one written before decision-time figures after its scores
            watch.figures = in.hasRemaining() ? decodeFigures(in) : null;
            return watch;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("model-watch state is unreadable: " + e.getMessage(), e);
        }
    }
}
