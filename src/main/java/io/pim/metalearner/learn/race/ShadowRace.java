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
 * trades the live model trained on, each with every entrant's prediction and committee P&amp;L as
 * they were when the trade was decided (its vote-time score), and how many of the model's other
 * trades were open then (the overlap). From them, per candidate and over the trades both scored:
 * loss, R², committee P&amp;L (learned weights and uniform), and the Diebold–Mariano tests of the
 * squared-error and of the P&amp;L differential, with a Newey–West variance at a lag of at least
 * the largest overlap in the window ({@link #standings}). {@link #judge} turns the standings into
 * {@code candidate-better} alerts and, under an automatic policy, the candidate to promote. A
 * candidate whose divergence guard stopped it ({@code Learner#diverged}) is disqualified: its
 * standing says so, it is never judged better nor promoted, until a learner that has not diverged
 * (a reset candidate) steps again under its id.
 * <p>
 * Deterministic: the same trades and drift notices give the same bytes, so a race is a pure
 * function of the training topic like the learners it watches.
 */
public final class ShadowRace {
    /**
     * Version 3 holds vote-time rows (with the overlap) and no cumulative P&amp;L; the rows of versions
     * 1 and 2 were judged at training time and are dropped on decoding (the race starts over).
     */
    private static final int FORMAT_VERSION = 3;
    /** Row layout: target, uniform committee P&L, overlap, then per entrant (live first) prediction and committee P&L. */
    private static final int TARGET = 0, UNIFORM = 1, OVERLAP = 2, FIRST_ENTRANT = 3;

    /**
     * One learner on one trade, judged by its score when the trade was decided: its prediction
     * then (NaN if it did not score the decision: the trade is not paired for it) and the committee's
     * P&amp;L on the trade with its weights then; {@code step} is the step it trained the trade at, and
     * {@code diverged} whether its divergence guard has stopped it.
     */
    public record Entrant(String id, long step, double predicted, double pnl, boolean diverged) {
        public Entrant(String id, long step, double predicted, double pnl) {
            this(id, step, predicted, pnl, false);
        }
    }

    /** The live model over the whole window. {@code r2} is null while undefined. */
    public record Live(int trades, double loss, Double r2, double pnlLearned, double pnlUniform) {
    }

    /**
     * A candidate against the live model on the trades both scored (R² null while undefined);
     * {@code test} is positive when the candidate's squared errors are smaller, {@code pnlTest} when
     * its committee earned more per trade.
     */
    public record Standing(String candidate, int trades, double liveLoss, double candidateLoss, Double liveR2,
                           Double candidateR2, double livePnl, double candidatePnl, double uniformPnl,
                           DieboldMariano test, boolean disqualified, DieboldMariano pnlTest) {
        public Standing(String candidate, int trades, double liveLoss, double candidateLoss, Double liveR2,
                        Double candidateR2, double livePnl, double candidatePnl, double uniformPnl, DieboldMariano test) {
            this(candidate, trades, liveLoss, candidateLoss, liveR2, candidateR2, livePnl, candidatePnl, uniformPnl, test,
                    false, new DieboldMariano(trades, Double.NaN, Double.NaN, 1));
        }

        /** The test the policy's criterion judges by. */
        public DieboldMariano test(PromotionPolicy policy) {
            return policy.onPnl() ? pnlTest : test;
        }
    }

    /** What a step of the race decided: alert transitions, and the candidate to promote (null: none), from these standings. */
    public record Verdict(List<AlertEvent> alerts, String promote, List<Standing> standings) {
    }

    private final int window;
    /** The smallest Newey–West lag of the tests; the window's largest overlap raises it. */
    private final int minLag;
    private final List<String> candidates = new ArrayList<>();
    private final ArrayDeque<double[]> rows = new ArrayDeque<>();
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
        this(window, 0);
    }

    public ShadowRace(int window, int minLag) {
        if (window < 2) throw new IllegalArgumentException("race window must be at least 2 trades, was " + window);
        if (minLag < 0) throw new IllegalArgumentException("race lag must be at least 0, was " + minLag);
        this.window = window;
        this.minLag = minLag;
    }

    /** One trade the live model trained on, none of the model's other trades open when it was decided. */
    public void add(double target, Entrant live, double uniformPnl, List<Entrant> trained) {
        add(target, 0, live, uniformPnl, trained);
    }

    /**
     * One trade the live model trained on.
     *
     * @param target     the trade's realized return
     * @param overlap    the model's other trades open while it was open: those it learned between
     *                   the decision and this step (0 if unknown)
     * @param live       the live model on the trade
     * @param uniformPnl the committee's P&amp;L on the trade with every weight 1
     * @param trained    the candidates that trained on it (one that refused the step is absent)
     */
    public void add(double target, long overlap, Entrant live, double uniformPnl, List<Entrant> trained) {
        for (Entrant c : trained) {
            if (!candidates.contains(c.id())) candidates.add(c.id());
            if (c.diverged()) disqualified.add(c.id()); else disqualified.remove(c.id());
        }
        double[] row = new double[FIRST_ENTRANT + 2 * (candidates.size() + 1)];
        Arrays.fill(row, Double.NaN);
        row[TARGET] = target;
        row[UNIFORM] = uniformPnl;
        row[OVERLAP] = Math.max(0, overlap);
        put(row, 0, live);
        for (Entrant c : trained) put(row, candidates.indexOf(c.id()) + 1, c);
        rows.addLast(row);
        while (rows.size() > window) rows.removeFirst();
        trades++;
    }

    private static void put(double[] row, int entrant, Entrant e) {
        row[FIRST_ENTRANT + 2 * entrant] = e.predicted();
        row[FIRST_ENTRANT + 2 * entrant + 1] = e.pnl();
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
        double[] pnlDiff = new double[m];
        double liveSe = 0, candSe = 0, livePnl = 0, candPnl = 0, uniform = 0;
        int lag = minLag, pnlTrades = 0;
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
            lag = Math.max(lag, (int) Math.min(Integer.MAX_VALUE, row[OVERLAP]));
            double il = row[FIRST_ENTRANT + 1], ic = at(row, FIRST_ENTRANT + 2 * j + 1), iu = row[UNIFORM];
            if (Double.isFinite(il) && Double.isFinite(ic) && Double.isFinite(iu)) {
                livePnl += il;
                candPnl += ic;
                uniform += iu;
                pnlDiff[pnlTrades++] = ic - il;
            }
            n++;
        }
        return new Standing(candidates.get(j - 1), n, n == 0 ? Double.NaN : liveSe / n, n == 0 ? Double.NaN : candSe / n,
                r2(live, targets, n), r2(cand, targets, n), livePnl, candPnl, uniform, DieboldMariano.of(diff, 0, n, lag),
                disqualified.contains(candidates.get(j - 1)), DieboldMariano.of(pnlDiff, 0, pnlTrades, lag));
    }

    /**
     * Applies the policy after a step. A candidate that beats the live model significantly by the
     * policy's criterion (vote-time loss or committee P&amp;L) over at least {@code minTrades} trades
     * raises {@code candidate-better} (once; it clears when the candidate's mean advantage is gone).
     * Under {@code auto}, the best such candidate (largest statistic) is promoted unless the last
     * promotion is less than {@code cooldown} trades ago or a drift alert is active or was raised
     * within the window (unless allowed).
     *
     * @param driftActive whether the live model's drift alert is active now
     */
    public Verdict judge(PromotionPolicy policy, long step, boolean driftActive) {
        List<AlertEvent> alerts = new ArrayList<>();
        Standing best = null;
        List<Standing> standings = standings();
        for (Standing s : standings) {
            DieboldMariano test = s.test(policy);
            boolean better = !s.disqualified() && test.trades() >= policy.minTrades()
                    && test.candidateBetter(policy.significance());
            if (better) {
                if (best == null || test.statistic() > best.test(policy).statistic()) best = s;
                if (alerted.add(s.candidate())) {
                    alerts.add(new AlertEvent(AlertType.CANDIDATE_BETTER, AlertEvent.State.RAISED, step,
                            test.pValue(), policy.significance(), describe(s, policy)));
                }
            } else if (s.disqualified() && alerted.remove(s.candidate())) {
                alerts.add(new AlertEvent(AlertType.CANDIDATE_BETTER, AlertEvent.State.CLEARED, step,
                        test.pValue(), policy.significance(), "candidate '" + s.candidate() + "' diverged: disqualified"));
            } else if (!(test.meanDiff() > 0) && alerted.remove(s.candidate())) {
                alerts.add(new AlertEvent(AlertType.CANDIDATE_BETTER, AlertEvent.State.CLEARED, step,
                        test.pValue(), policy.significance(), String.format(Locale.ROOT,
                        "candidate '%s' no longer beats the live model (mean %s differential %.3g)",
                        s.candidate(), policy.criterion(), test.meanDiff())));
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

    static String describe(Standing s, PromotionPolicy policy) {
        DieboldMariano test = s.test(policy);
        return String.format(Locale.ROOT, "candidate '%s' beats the live model on %s over the last %d trades, judged at "
                        + "decision time: loss %.3g vs %.3g, R² %s vs %s, committee P&L %+.4f vs %+.4f (uniform %+.4f); "
                        + "Diebold–Mariano %.2f, p %.2g (Newey–West lag %d)",
                s.candidate(), policy.criterion(), s.trades(), s.candidateLoss(), s.liveLoss(), r2Text(s.candidateR2()),
                r2Text(s.liveR2()), s.candidatePnl(), s.livePnl(), s.uniformPnl(), test.statistic(), test.pValue(), test.lag());
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
        List<byte[]> names = utf8(candidates), alertedNames = utf8(alerted), disqualifiedNames = utf8(disqualified);
        byte[] pendingName = utf8(pending);
        int size = 4 + 4 + 8 * 3 + 2 + pendingName.length + 4 + 4 + 4 + 4;
        for (List<byte[]> list : List.of(names, alertedNames, disqualifiedNames)) {
            for (byte[] b : list) size += 2 + b.length;
        }
        for (double[] row : rows) size += 4 + 8 * row.length;
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(FORMAT_VERSION).putInt(window).putLong(trades).putLong(promotedAt).putLong(driftAt);
        out.putShort((short) pendingName.length).put(pendingName);
        putNames(out, names);
        putNames(out, alertedNames);
        out.putInt(rows.size());
        for (double[] row : rows) {
            out.putInt(row.length);
            for (double v : row) out.putDouble(v);
        }
        putNames(out, disqualifiedNames);
        if (out.hasRemaining()) throw new IllegalStateException("race size miscounted by " + out.remaining());
        return out.array();
    }

    private static void putNames(ByteBuffer out, List<byte[]> names) {
        out.putInt(names.size());
        for (byte[] b : names) out.putShort((short) b.length).put(b);
    }

    /**
     * Reads what {@link #encode} wrote; {@code window} and {@code minLag} are the configured ones (a
     * smaller window than the stored one keeps the newest trades). A race of format 1 or 2 keeps
     * its candidates, alerts, promotion and drift clocks, and drops its rows: they were judged when
     * the trades trained, not when they were decided.
     *
     * @throws IllegalArgumentException if the bytes are not a race this version can read
     */
    public static ShadowRace decode(byte[] bytes, int window, int minLag) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int version = in.getInt();
            if (version < 1 || version > FORMAT_VERSION) throw new IllegalArgumentException("unknown race format " + version);
            in.getInt(); // the window it was written with
            ShadowRace race = new ShadowRace(window, minLag);
            race.trades = in.getLong();
            race.promotedAt = in.getLong();
            race.driftAt = in.getLong();
            if (version < 3) in.getDouble(); // the last cumulative uniform P&L
            race.pending = string(in);
            int n = count(in.getInt(), in);
            for (int i = 0; i < n; i++) race.candidates.add(string(in));
            if (version < 3) {
                int lastPnl = count(in.getInt(), in);
                if (lastPnl != race.candidates.size() + 1) throw new IllegalArgumentException("race entrants disagree");
                for (int i = 0; i < lastPnl; i++) in.getDouble();
            }
            int alerted = count(in.getInt(), in);
            for (int i = 0; i < alerted; i++) race.alerted.add(string(in));
            int rows = count(in.getInt(), in);
            for (int i = 0; i < rows; i++) {
                double[] row = new double[count(in.getInt(), in)];
                for (int k = 0; k < row.length; k++) row[k] = in.getDouble();
                if (version < 3) continue;
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

    public static ShadowRace decode(byte[] bytes, int window) {
        return decode(bytes, window, 0);
    }

    private static int count(int n, ByteBuffer in) {
        if (n < 0 || n > in.remaining()) throw new IllegalArgumentException("race state claims " + n + " entries");
        return n;
    }

    private static List<byte[]> utf8(java.util.Collection<String> strings) {
        List<byte[]> out = new ArrayList<>(strings.size());
        for (String s : strings) out.add(utf8(s));
        return out;
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
