package io.pim.metalearner.learn.alert;

import static io.pim.metalearner.learn.alert.AlertEvent.State.CLEARED;
import static io.pim.metalearner.learn.alert.AlertEvent.State.RAISED;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Watches one model's training steps and turns its metrics into alert transitions: each alert is
 * raised once when its condition starts and cleared once when it ends, with a looser clear
 * threshold than the raise threshold (hysteresis). The state is part of the learner's state: it
 * is encoded next to it so a restart neither forgets an active alert nor raises it again.
 * Deterministic: the same steps give the same events and the same bytes.
 */
public final class AlertMonitor {

    private static final int FORMAT_VERSION = 1;

    private final AlertConfig config;
    // the last 2 × lossWindow losses, a ring: oldest at lossesOldest
    private final double[] losses;
    private int lossesOldest, lossesSize;
    private final PageHinkley drift;
    private final EnumMap<AlertType, AlertEvent> active = new EnumMap<>(AlertType.class);
    private long stepsSinceDrift;

    public AlertMonitor(AlertConfig config) {
        this.config = config;
        this.losses = new double[2 * config.lossWindow()];
        this.drift = new PageHinkley(config.driftDelta(), config.driftThreshold(), config.driftAlpha(),
                config.driftMinInstances());
    }

    /**
     * One training step's outcome.
     *
     * @param loss      the step's loss (non-finite values are skipped: they are not a trend)
     * @param rollingR2 rolling R², null while undefined
     * @param weights   agent weights after the step
     * @return the transitions this step caused, usually none
     */
    public List<AlertEvent> onStep(long step, double loss, Double rollingR2, Map<String, Double> weights) {
        return onStep(step, loss, loss, rollingR2, weights);
    }

    /**
     * As {@link #onStep(long, double, Double, Map)}, with the loss-rising alert watching
     * {@code loss} and the drift alert {@code driftLoss} (each skipped when not finite).
     */
    public List<AlertEvent> onStep(long step, double loss, double driftLoss, Double rollingR2, Map<String, Double> weights) {
        List<AlertEvent> events = new ArrayList<>(2);
        if (Double.isFinite(loss)) checkLossRising(step, loss, events);
        if (Double.isFinite(driftLoss)) checkDrift(step, driftLoss, events);
        checkR2(step, rollingR2, events);
        checkCollapse(step, weights.values(), events);
        return events;
    }

    /** The caller failed to write a checkpoint at this step. */
    public Optional<AlertEvent> checkpointFailed(long step, String reason) {
        List<AlertEvent> events = new ArrayList<>(1);
        raise(AlertType.CHECKPOINT_FAILED, step, Double.NaN, Double.NaN, () -> "checkpoint at step " + step + " failed: " + reason, events);
        return events.stream().findFirst();
    }

    /** The caller wrote a checkpoint: a checkpoint alert, if any, is over. */
    public Optional<AlertEvent> checkpointSucceeded(long step) {
        List<AlertEvent> events = new ArrayList<>(1);
        clear(AlertType.CHECKPOINT_FAILED, step, Double.NaN, Double.NaN, () -> "checkpoint at step " + step + " written", events);
        return events.stream().findFirst();
    }

    /**
     * The learner's divergence guard after a step: raised once when it has diverged, cleared when
     * a learner that has not (a replacement) steps on.
     *
     * @param divergedAt the step at which it diverged, 0 if it has not
     */
    public Optional<AlertEvent> divergence(long step, long divergedAt, String reason) {
        List<AlertEvent> events = new ArrayList<>(1);
        if (divergedAt != 0) {
            raise(AlertType.DIVERGED, step, divergedAt, Double.NaN, () -> "the learner diverged at step " + divergedAt
                    + ": " + reason + "; it abstains (no view, uniform weights) until it is replaced", events);
        } else {
            clear(AlertType.DIVERGED, step, Double.NaN, Double.NaN, () -> "the learner is no longer diverged", events);
        }
        return events.stream().findFirst();
    }

    /** Ends every active alert, e.g. because the model's learner was replaced; returns their CLEARED events. */
    public List<AlertEvent> clearAll(long step, String message) {
        List<AlertEvent> events = new ArrayList<>(active.size());
        for (AlertType type : List.copyOf(active.keySet())) clear(type, step, Double.NaN, Double.NaN, () -> message, events);
        return events;
    }

    /** The alerts raised and not yet cleared (their raising events), in {@link AlertType} order. */
    public List<AlertEvent> active() {
        return List.copyOf(active.values());
    }

    private void checkLossRising(long step, double loss, List<AlertEvent> events) {
        int window = config.lossWindow();
        addLoss(loss);
        if (lossesSize < 2 * window) return;
        double previous = 0, last = 0;
        for (int i = 0; i < lossesSize; i++) {
            double value = losses[(lossesOldest + i) % losses.length];
            if (i < window) previous += value; else last += value;
        }
        // both sums are over `window` values, so their ratio is the ratio of the means
        double ratio = previous > 0 ? last / previous : (last > 0 ? Double.POSITIVE_INFINITY : 1);
        if (ratio > config.lossRiseRatio()) {
            raise(AlertType.LOSS_RISING, step, ratio, config.lossRiseRatio(), () -> String.format(Locale.ROOT,
                    "mean loss of the last %d trades is %.2fx the %d before", window, ratio, window), events);
        } else if (ratio < config.lossClearRatio()) {
            clear(AlertType.LOSS_RISING, step, ratio, config.lossClearRatio(), () -> String.format(Locale.ROOT,
                    "mean loss ratio back to %.2f", ratio), events);
        }
    }

    private void checkDrift(long step, double loss, List<AlertEvent> events) {
        if (drift.update(loss)) {
            stepsSinceDrift = 0;
            raise(AlertType.LOSS_DRIFT, step, drift.statistic(), drift.threshold(), () -> String.format(Locale.ROOT,
                    "Page-Hinkley: loss mean increased (statistic %.4g > %.4g)", drift.statistic(), drift.threshold()), events);
        } else if (active.containsKey(AlertType.LOSS_DRIFT) && ++stepsSinceDrift >= config.driftClearSteps()) {
            clear(AlertType.LOSS_DRIFT, step, drift.statistic(), drift.threshold(), () -> String.format(Locale.ROOT,
                    "no further loss drift in %d steps", stepsSinceDrift), events);
        }
    }

    private void checkR2(long step, Double r2, List<AlertEvent> events) {
        if (r2 == null || !Double.isFinite(r2) || step < config.r2MinTrades()) return;
        if (r2 < config.r2Raise()) {
            raise(AlertType.LOW_R2, step, r2, config.r2Raise(), () -> String.format(Locale.ROOT,
                    "rolling R² %.3f is below %.2f", r2, config.r2Raise()), events);
        } else if (r2 >= config.r2Clear()) {
            clear(AlertType.LOW_R2, step, r2, config.r2Clear(), () -> String.format(Locale.ROOT,
                    "rolling R² back to %.3f", r2), events);
        }
    }

    private void checkCollapse(long step, Collection<Double> weights, List<AlertEvent> events) {
        if (weights.size() < 2 || step < config.collapseMinSteps()) return;
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double w : weights) {
            min = Math.min(min, w);
            max = Math.max(max, w);
        }
        double spread = max - min, lowest = min, highest = max;
        if (!Double.isFinite(spread)) return;
        if (spread < config.collapseSpread()) {
            raise(AlertType.WEIGHTS_COLLAPSED, step, spread, config.collapseSpread(), () -> String.format(Locale.ROOT,
                    "all %d agent weights within %.4f of each other (%.3f–%.3f)", weights.size(), spread, lowest, highest),
                    events);
        } else if (spread > config.collapseClearSpread()) {
            clear(AlertType.WEIGHTS_COLLAPSED, step, spread, config.collapseClearSpread(), () -> String.format(Locale.ROOT,
                    "agent weights differ again (spread %.3f)", spread), events);
        }
    }

    private void raise(AlertType type, long step, double value, double threshold, Supplier<String> message,
                       List<AlertEvent> events) {
        if (active.containsKey(type)) return;
        AlertEvent event = new AlertEvent(type, RAISED, step, value, threshold, message.get());
        active.put(type, event);
        events.add(event);
    }

    private void clear(AlertType type, long step, double value, double threshold, Supplier<String> message,
                       List<AlertEvent> events) {
        if (active.remove(type) == null) return;
        events.add(new AlertEvent(type, CLEARED, step, value, threshold, message.get()));
    }

    private void addLoss(double loss) {
        int at = (lossesOldest + lossesSize) % losses.length;
        if (lossesSize == losses.length) lossesOldest = (lossesOldest + 1) % losses.length; else lossesSize++;
        losses[at] = loss;
    }

    public int encodedSize() {
        int size = 4 + 4 + 8 * lossesSize + PageHinkley.ENCODED_SIZE + 8 + 4;
        for (AlertEvent event : active.values()) {
            size += 2 + utf8(event.type().name()).length + 8 + 8 + 8 + 2 + utf8(event.message()).length;
        }
        return size;
    }

    /** Big-endian; strings as a 2-byte length and UTF-8 (what {@code DataOutput.writeUTF} writes for them). */
    public void encode(ByteBuffer out) {
        out.putInt(FORMAT_VERSION);
        out.putInt(lossesSize);
        for (int i = 0; i < lossesSize; i++) out.putDouble(losses[(lossesOldest + i) % losses.length]);
        drift.encode(out);
        out.putLong(stepsSinceDrift);
        out.putInt(active.size());
        for (AlertEvent event : active.values()) {
            putString(out, event.type().name());
            out.putLong(event.trainingStep());
            out.putDouble(event.value());
            out.putDouble(event.threshold());
            putString(out, event.message());
        }
    }

    /**
     * Reads what {@link #encode} wrote. The thresholds come from the current configuration, not the
     * bytes, so they can be changed across a restart; a changed loss window keeps the newest losses.
     *
     * @throws IllegalArgumentException if the bytes are not an alert state this version can read
     */
    public static AlertMonitor decode(ByteBuffer in, AlertConfig config) {
        try {
            int version = in.getInt();
            if (version != FORMAT_VERSION) throw new IllegalArgumentException("unknown alert state format " + version);
            AlertMonitor monitor = new AlertMonitor(config);
            int count = in.getInt();
            if (count < 0 || (long) count * 8 > in.remaining()) throw new IllegalArgumentException("alert state claims " + count + " losses");
            for (int i = 0; i < count; i++) monitor.addLoss(in.getDouble());
            monitor.drift.decode(in);
            monitor.stepsSinceDrift = in.getLong();
            int activeCount = in.getInt();
            for (int i = 0; i < activeCount; i++) {
                AlertType type = AlertType.valueOf(getString(in));
                monitor.active.put(type, new AlertEvent(type, RAISED, in.getLong(), in.getDouble(), in.getDouble(), getString(in)));
            }
            return monitor;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("alert state is truncated", e);
        }
    }

    private static byte[] utf8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        // messages are ours and short; the cut keeps the 2-byte length honest whatever they hold
        return b.length <= 0xFFFF ? b : Arrays.copyOf(b, 0xFFFF);
    }

    private static void putString(ByteBuffer out, String s) {
        byte[] b = utf8(s);
        out.putShort((short) b.length).put(b);
    }

    private static String getString(ByteBuffer in) {
        byte[] b = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
