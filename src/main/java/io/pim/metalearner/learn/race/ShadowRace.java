package io.pim.metalearner.learn.race;

import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertType;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * One live model raced against its shadow candidates on the same trades: the last {@code window}
 * trades the live model trained on, each with every entrant's prequential prediction and its
 * committee P&L on that trade. From them, per candidate and over the trades both predicted:
 * prequential loss, R², committee P&L (learned weights and uniform), and the Diebold–Mariano test
 * of the squared-error differential ({@link #standings}). {@link #judge} turns the standings into
 * {@code candidate-better} alerts and, under an automatic policy, the candidate to promote. A
 * candidate whose divergence guard stopped it ({@code Learner#diverged}) is disqualified: its
 * standing says so, it is never judged better nor promoted, until a learner that has not diverged
 * (a reset candidate) steps again under its id.
 * <p>
 * Deterministic: the same trades and drift notices give the same bytes, so a race is a pure
 * function of the training topic like the learners it watches.
 */
public final class ShadowRace {
    /** Version 2 adds the disqualified candidates; version 1 (none) still decodes. */
    private static final int FORMAT_VERSION = 2;
    /** Row layout: target, uniform committee P&L, then per entrant (live first) prediction and committee P&L. */
    private static final int TARGET = 0, UNIFORM = 1, FIRST_ENTRANT = 2;

    /**
     * One learner's figures after it trained on the trade: its step, prequential prediction and
     * cumulative committee P&L, and whether its divergence guard has stopped it.
     */
    public record Entrant(String id, long step, double predicted, double cumulativePnl, boolean diverged) {
        public Entrant(String id, long step, double predicted, double cumulativePnl) {
            this(id, step, predicted, cumulativePnl, false);
        }
    }

    /** The live model over the whole window. {@code r2} is null while undefined. */
    public record Live(int trades, double loss, Double r2, double pnlLearned, double pnlUniform) {
    }

    /**
     * A candidate against the live model on the trades both predicted (R² null while undefined);
     * {@code test} is positive when the candidate's squared errors are smaller.
     */
    public record Standing(String candidate, int trades, double liveLoss, double candidateLoss, Double liveR2,
                           Double candidateR2, double livePnl, double candidatePnl, double uniformPnl,
                           DieboldMariano test, boolean disqualified) {
        public Standing(String candidate, int trades, double liveLoss, double candidateLoss, Double liveR2,
                        Double candidateR2, double livePnl, double candidatePnl, double uniformPnl, DieboldMariano test) {
            this(candidate, trades, liveLoss, candidateLoss, liveR2, candidateR2, livePnl, candidatePnl, uniformPnl, test, false);
        }
    }

    /** What a step of the race decided: alert transitions, and the candidate to promote (null: none), from these standings. */
    public record Verdict(List<AlertEvent> alerts, String promote, List<Standing> standings) {
    }

    private final int window;
    private final List<String> candidates = new ArrayList<>();
    private final ArrayDeque<double[]> rows = new ArrayDeque<>();
    /** Per entrant (live first): cumulative committee P&L after its last step; NaN while unknown. */
    private double[] lastPnl = {Double.NaN};
    private double lastUniform = Double.NaN;
    /** Trades raced since the race began (never reset): the clock of the cool-down and the drift guard. */
    private long trades;
    private long promotedAt = -1;
    private long driftAt = -1;
    /**
     * The candidate of a promotion issued and not yet applied or rejected, "" if none: the command
     * queues behind the trades already on the training topic, and a backlog must not make the race
     * issue it again and again.
     */
    private String pending = "";
    private final TreeSet<String> alerted = new TreeSet<>();
    /** Candidates whose last step came from a diverged learner. */
    private final TreeSet<String> disqualified = new TreeSet<>();

    public ShadowRace(int window) {
        if (window < 2) throw new IllegalArgumentException("race window must be at least 2 trades, was " + window);
        this.window = window;
    }

    /**
     * One trade the live model trained on.
     *
     * @param target            the trade's realized return
     * @param live              the live model after the step
     * @param cumulativeUniform the live model's cumulative uniform-weights committee P&L after the step
     * @param trained           the candidates that trained on it (one that refused the step is absent)
     */
    public void add(double target, Entrant live, double cumulativeUniform, List<Entrant> trained) {
        for (Entrant c : trained) {
            if (!candidates.contains(c.id())) {
                candidates.add(c.id());
                lastPnl = Arrays.copyOf(lastPnl, candidates.size() + 1);
                lastPnl[candidates.size()] = Double.NaN;
            }
            if (c.diverged()) disqualified.add(c.id()); else disqualified.remove(c.id());
        }
        double[] row = new double[FIRST_ENTRANT + 2 * (candidates.size() + 1)];
        Arrays.fill(row, Double.NaN);
        row[TARGET] = target;
        row[UNIFORM] = cumulativeUniform - (live.step() == 1 ? 0 : lastUniform); // NaN while unknown
        lastUniform = cumulativeUniform;
        put(row, 0, live);
        for (Entrant c : trained) put(row, candidates.indexOf(c.id()) + 1, c);
        rows.addLast(row);
        while (rows.size() > window) rows.removeFirst();
        trades++;
    }

    private void put(double[] row, int entrant, Entrant e) {
        // a learner's first step started from 0; otherwise the increment needs the previous value
        double before = e.step() == 1 ? 0 : lastPnl[entrant];
        row[FIRST_ENTRANT + 2 * entrant] = e.predicted();
        row[FIRST_ENTRANT + 2 * entrant + 1] = e.cumulativePnl() - before;
        lastPnl[entrant] = e.cumulativePnl();
    }

    /** The live model raised a drift alert at this trade. */
    public void driftRaised() {
        driftAt = trades;
    }

    /**
     * The live model's learner was replaced (promote, reset, rollback, restore): what the window
     * holds no longer describes it, so the race starts over; the cool-down clock runs on.
     *
     * @return a CLEARED event per active candidate-better alert
     */
    public List<AlertEvent> restart(long step, String cause) {
        rows.clear();
        lastPnl[0] = Double.NaN;
        lastUniform = Double.NaN;
        List<AlertEvent> cleared = new ArrayList<>();
        for (String c : alerted) {
            cleared.add(new AlertEvent(AlertType.CANDIDATE_BETTER, AlertEvent.State.CLEARED, step, Double.NaN,
                    Double.NaN, "candidate '" + c + "': " + cause));
        }
        alerted.clear();
        return cleared;
    }

    public Live live() {
        int n = 0;
        double se = 0, pnl = 0, uniform = 0;
        double[] targets = new double[rows.size()], predictions = new double[rows.size()];
        for (double[] row : rows) {
            double p = row[FIRST_ENTRANT];
            if (!Double.isFinite(p)) continue;
            targets[n] = row[TARGET];
            predictions[n] = p;
            se += (p - row[TARGET]) * (p - row[TARGET]);
            if (Double.isFinite(row[FIRST_ENTRANT + 1]) && Double.isFinite(row[UNIFORM])) {
                pnl += row[FIRST_ENTRANT + 1];
                uniform += row[UNIFORM];
            }
            n++;
        }
        return new Live(n, n == 0 ? Double.NaN : se / n, r2(predictions, targets, n), pnl, uniform);
    }

    /** Each candidate against the live model, in the order they joined. */
    public List<Standing> standings() {
        List<Standing> out = new ArrayList<>(candidates.size());
        for (int j = 1; j <= candidates.size(); j++) out.add(standing(j));
        return out;
    }

    private Standing standing(int j) {
        int m = rows.size(), n = 0;
        double[] targets = new double[m], live = new double[m], cand = new double[m], diff = new double[m];
        double liveSe = 0, candSe = 0, livePnl = 0, candPnl = 0, uniform = 0;
        for (double[] row : rows) {
            double pl = row[FIRST_ENTRANT], pc = at(row, FIRST_ENTRANT + 2 * j), r = row[TARGET];
            if (!Double.isFinite(pl) || !Double.isFinite(pc)) continue;
            double el = (pl - r) * (pl - r), ec = (pc - r) * (pc - r);
            targets[n] = r;
            live[n] = pl;
            cand[n] = pc;
            diff[n] = el - ec;
            liveSe += el;
            candSe += ec;
            double il = row[FIRST_ENTRANT + 1], ic = at(row, FIRST_ENTRANT + 2 * j + 1), iu = row[UNIFORM];
            if (Double.isFinite(il) && Double.isFinite(ic) && Double.isFinite(iu)) {
                livePnl += il;
                candPnl += ic;
                uniform += iu;
            }
            n++;
        }
        return new Standing(candidates.get(j - 1), n, n == 0 ? Double.NaN : liveSe / n, n == 0 ? Double.NaN : candSe / n,
                r2(live, targets, n), r2(cand, targets, n), livePnl, candPnl, uniform, DieboldMariano.of(diff, 0, n),
                disqualified.contains(candidates.get(j - 1)));
    }

    /**
     * Applies the policy after a step. A candidate that beats the live model significantly over at
     * least {@code minTrades} trades raises {@code candidate-better} (once; it clears when the
     * candidate's mean advantage is gone). Under {@code auto}, the best such candidate (largest
     * statistic) is promoted unless the last promotion is less than {@code cooldown} trades ago or
     * a drift alert is active or was raised within the window (unless allowed).
     *
     * @param driftActive whether the live model's drift alert is active now
     */
    public Verdict judge(PromotionPolicy policy, long step, boolean driftActive) {
        List<AlertEvent> alerts = new ArrayList<>();
        Standing best = null;
        List<Standing> standings = standings();
        for (Standing s : standings) {
            boolean better = !s.disqualified() && s.trades() >= policy.minTrades()
                    && s.test().candidateBetter(policy.significance());
            if (better) {
                if (best == null || s.test().statistic() > best.test().statistic()) best = s;
                if (alerted.add(s.candidate())) {
                    alerts.add(new AlertEvent(AlertType.CANDIDATE_BETTER, AlertEvent.State.RAISED, step,
                            s.test().pValue(), policy.significance(), describe(s)));
                }
            } else if (s.disqualified() && alerted.remove(s.candidate())) {
                alerts.add(new AlertEvent(AlertType.CANDIDATE_BETTER, AlertEvent.State.CLEARED, step,
                        s.test().pValue(), policy.significance(), "candidate '" + s.candidate() + "' diverged: disqualified"));
            } else if (!(s.test().meanDiff() > 0) && alerted.remove(s.candidate())) {
                alerts.add(new AlertEvent(AlertType.CANDIDATE_BETTER, AlertEvent.State.CLEARED, step,
                        s.test().pValue(), policy.significance(), String.format(Locale.ROOT,
                        "candidate '%s' no longer beats the live model (mean loss differential %.3g)",
                        s.candidate(), s.test().meanDiff())));
            }
        }
        String promote = null;
        if (best != null && policy.auto() && pending.isEmpty() && coolDownOver(policy)
                && (policy.allowDrift() || !driftInWindow(driftActive))) {
            promote = best.candidate();
            pending = promote;
            promotedAt = trades;
        }
        return new Verdict(alerts, promote, standings);
    }

    /**
     * The promotion this race issued was applied or rejected: another may follow, the cool-down
     * counted from now.
     */
    public void promotionSettled() {
        if (pending.isEmpty()) return;
        pending = "";
        promotedAt = trades;
    }

    /** The candidate of a promotion issued and not settled yet, or null. */
    public String pendingPromotion() {
        return pending.isEmpty() ? null : pending;
    }

    private boolean coolDownOver(PromotionPolicy policy) {
        return promotedAt < 0 || trades - promotedAt >= policy.cooldown();
    }

    /** A drift alert active now, or raised at one of the trades the window still holds. */
    public boolean driftInWindow(boolean driftActive) {
        return driftActive || (driftAt >= 0 && trades - driftAt < rows.size());
    }

    /** Trades raced since this race began, restarts included. */
    public long trades() {
        return trades;
    }

    /** Trades since the last automatic promotion was issued; -1 if none was. */
    public long tradesSincePromotion() {
        return promotedAt < 0 ? -1 : trades - promotedAt;
    }

    public List<String> alerted() {
        return List.copyOf(alerted);
    }

    /** The candidates disqualified because they diverged. */
    public List<String> disqualified() {
        return List.copyOf(disqualified);
    }

    public int window() {
        return window;
    }

    static String describe(Standing s) {
        return String.format(Locale.ROOT, "candidate '%s' beats the live model over the last %d trades: loss %.3g vs %.3g, "
                        + "R² %s vs %s, committee P&L %+.4f vs %+.4f (uniform %+.4f); Diebold–Mariano %.2f, p %.2g",
                s.candidate(), s.trades(), s.candidateLoss(), s.liveLoss(), r2Text(s.candidateR2()), r2Text(s.liveR2()),
                s.candidatePnl(), s.livePnl(), s.uniformPnl(), s.test().statistic(), s.test().pValue());
    }

    private static String r2Text(Double r2) {
        return r2 == null ? "n/a" : String.format(Locale.ROOT, "%.3f", r2);
    }

    private static double at(double[] row, int i) {
        return i < row.length ? row[i] : Double.NaN; // a row from before the candidate joined
    }

    /** 1 − SS_res/SS_tot over the first n pairs; null when undefined (fewer than 2, or constant targets). */
    private static Double r2(double[] predicted, double[] actual, int n) {
        if (n < 2) return null;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += actual[i];
        mean /= n;
        double res = 0, tot = 0;
        for (int i = 0; i < n; i++) {
            res += (actual[i] - predicted[i]) * (actual[i] - predicted[i]);
            tot += (actual[i] - mean) * (actual[i] - mean);
        }
        return tot > 0 ? 1 - res / tot : null;
    }

    public byte[] encode() {
        List<byte[]> names = new ArrayList<>();
        for (String c : candidates) names.add(utf8(c));
        List<byte[]> alertedNames = new ArrayList<>();
        for (String c : alerted) alertedNames.add(utf8(c));
        List<byte[]> disqualifiedNames = new ArrayList<>();
        for (String c : disqualified) disqualifiedNames.add(utf8(c));
        byte[] pendingName = utf8(pending);
        int size = 4 + 4 + 8 * 4 + 2 + pendingName.length + 4 + 4 + 8 * lastPnl.length + 4 + 4 + 4;
        for (byte[] b : names) size += 2 + b.length;
        for (byte[] b : alertedNames) size += 2 + b.length;
        for (byte[] b : disqualifiedNames) size += 2 + b.length;
        for (double[] row : rows) size += 4 + 8 * row.length;
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(FORMAT_VERSION).putInt(window).putLong(trades).putLong(promotedAt).putLong(driftAt)
                .putDouble(lastUniform);
        out.putShort((short) pendingName.length).put(pendingName);
        out.putInt(names.size());
        for (byte[] b : names) out.putShort((short) b.length).put(b);
        out.putInt(lastPnl.length);
        for (double v : lastPnl) out.putDouble(v);
        out.putInt(alertedNames.size());
        for (byte[] b : alertedNames) out.putShort((short) b.length).put(b);
        out.putInt(rows.size());
        for (double[] row : rows) {
            out.putInt(row.length);
            for (double v : row) out.putDouble(v);
        }
        out.putInt(disqualifiedNames.size());
        for (byte[] b : disqualifiedNames) out.putShort((short) b.length).put(b);
        if (out.hasRemaining()) throw new IllegalStateException("race size miscounted by " + out.remaining());
        return out.array();
    }

    /**
     * Reads what {@link #encode} wrote; {@code window} is the configured one (a smaller window than
     * the stored one keeps the newest trades).
     *
     * @throws IllegalArgumentException if the bytes are not a race this version can read
     */
    public static ShadowRace decode(byte[] bytes, int window) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int version = in.getInt();
            if (version != 1 && version != FORMAT_VERSION) throw new IllegalArgumentException("unknown race format " + version);
            in.getInt(); // the window it was written with
            ShadowRace race = new ShadowRace(window);
            race.trades = in.getLong();
            race.promotedAt = in.getLong();
            race.driftAt = in.getLong();
            race.lastUniform = in.getDouble();
            race.pending = string(in);
            int n = count(in.getInt(), in);
            for (int i = 0; i < n; i++) race.candidates.add(string(in));
            race.lastPnl = new double[count(in.getInt(), in)];
            for (int i = 0; i < race.lastPnl.length; i++) race.lastPnl[i] = in.getDouble();
            if (race.lastPnl.length != race.candidates.size() + 1) throw new IllegalArgumentException("race entrants disagree");
            int alerted = count(in.getInt(), in);
            for (int i = 0; i < alerted; i++) race.alerted.add(string(in));
            int rows = count(in.getInt(), in);
            for (int i = 0; i < rows; i++) {
                double[] row = new double[count(in.getInt(), in)];
                for (int k = 0; k < row.length; k++) row[k] = in.getDouble();
                race.rows.addLast(row);
                if (race.rows.size() > window) race.rows.removeFirst();
            }
            if (version >= 2) {
                int disqualified = count(in.getInt(), in);
                for (int i = 0; i < disqualified; i++) race.disqualified.add(string(in));
            }
            return race;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("race state is truncated", e);
        }
    }

    private static int count(int n, ByteBuffer in) {
        if (n < 0 || n > in.remaining()) throw new IllegalArgumentException("race state claims " + n + " entries");
        return n;
    }

    private static byte[] utf8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) throw new IllegalArgumentException("candidate id too long");
        return b;
    }

    private static String string(ByteBuffer in) {
        byte[] b = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
