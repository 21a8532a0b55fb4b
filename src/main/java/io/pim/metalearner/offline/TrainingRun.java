package io.pim.metalearner.offline;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.trade.Rejection;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.trade.Trade;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The offline training loop {@code learn}, {@code evaluate} and {@code pretrain} share, so an
 * evaluation report is about exactly the model {@code learn} would train: a fresh learner takes the
 * file's trades, bad lines are rejected with a reason and counted, and the run ends with the
 * {@code learn --summary} JSON. What to do with each trained trade is the caller's.
 * <p>
 * The order is the one the stream would see ({@link Order#DECISION_TIME}) when the trades carry
 * {@code decided_at} and {@code closed_at}: each decision is judged with the model as it stood at its
 * instant and each trade learned at its close ({@link DecisionTime}, {@link DecisionFigures}). Without them it is the file's
 * ({@link Order#FILE}), the figures can contain look-ahead, and the run says so on stderr. The first
 * trade decides: after one with timestamps, a line without both is rejected ({@code missing-field});
 * after one without, timestamps are not used, and the warning names the first line that has them.
 */
public final class TrainingRun {
    public static final JsonMapper MAPPER = JsonMapper.builder().disable(SerializationFeature.INDENT_OUTPUT).build();

    /** The order a run learned and judged the trades in. */
    public enum Order {
        /** Each trade learned, and judged just before, at its line: what a file without timestamps gets. */
        FILE("file"),
        /** Decisions judged at {@code decided_at}, trades learned at {@code closed_at}. */
        DECISION_TIME("decision-time");

        public final String code;

        Order(String code) {
            this.code = code;
        }
    }

    /**
     * Called once per trained trade, after the learner's step, in training order. {@code step} and
     * {@code figures} are the run's: in decision time, the prediction, rolling figures and committee
     * P&amp;L are those of the model at the trade's decision; the step number, training loss and
     * weights are the step's.
     */
    public interface Listener {
        void trained(Trade trade, StepResult step, Metrics figures) throws IOException;

        /** In decision time, called at each decision the learner scored, before any later close is trained. */
        default void decided(Trade trade) {
        }
    }

    /** What the run saw; {@code summary} is the {@code learn --summary} object, {@code figures} its running figures at the end. */
    public record Outcome(long trades, int trained, Map<Rejection, Integer> rejected, Map<String, Integer> unknownAgents,
                          Order order, Metrics figures, ObjectNode summary) {
    }

    private TrainingRun() {
    }

    /**
     * Trains {@code learner} on every line of {@code in}; a rejected line is reported on {@code err}
     * as "{@code command}: line N rejected (reason): why".
     */
    public static Outcome run(String command, Learner learner, Utf8Lines in, PrintWriter err, Listener listener)
            throws IOException {
        var rejected = new EnumMap<Rejection, Integer>(Rejection.class);
        var unknownAgents = new TreeMap<String, Integer>();
        Map<String, Long> seen = new HashMap<>(); // decision id → the line it was trained (file order) or read (decision time) on
        var run = new RunFigures();
        var timed = new DecisionTime();
        var judged = new DecisionFigures(learner.config().window());
        Order order = null;
        long firstTrade = 0, firstTimedInFileOrder = 0;
        while (in.advance()) {
            String line = in.text();
            if (line != null && line.isBlank()) continue;
            run.trades++;
            try {
                if (line == null) throw new InvalidTradeException(Rejection.UNREADABLE, "not valid UTF-8");
                FeedbackJson.Timed t = FeedbackJson.parseTimed(line);
                if (order == null) {
                    order = t.hasTimes() ? Order.DECISION_TIME : Order.FILE;
                    firstTrade = in.number();
                }
                Trade trade = t.trade();
                Long before = seen.get(trade.decisionId());
                if (order == Order.FILE) {
                    if (t.hasTimes() && firstTimedInFileOrder == 0) firstTimedInFileOrder = in.number();
                    if (before != null) {
                        throw new InvalidTradeException(Rejection.DUPLICATE,
                                "decision_id " + trade.decisionId() + " was already trained on");
                    }
                    long t0 = System.nanoTime();
                    StepResult r = learner.train(trade); // may refuse a step it cannot take, unchanged
                    long stepNanos = System.nanoTime() - t0;
                    seen.put(trade.decisionId(), in.number());
                    trained(run, unknownAgents, listener, trade, stepNanos, r, learner.metrics());
                } else {
                    requireTimes(t, firstTrade);
                    if (before != null) {
                        throw new InvalidTradeException(Rejection.DUPLICATE,
                                "decision_id " + trade.decisionId() + " is on line " + before + " already");
                    }
                    seen.put(trade.decisionId(), in.number());
                    timed.add(new DecisionTime.Pending(in.number(), trade, t.decidedAt(), t.closedAt()));
                }
            } catch (InvalidTradeException e) {
                reject(command, in.number(), e, rejected, err);
            }
        }
        if (order == Order.DECISION_TIME) replay(command, learner, timed, judged, run, rejected, unknownAgents, err, listener);
        else warnOfLookAhead(command, err, run.trained, firstTrade, firstTimedInFileOrder);
        order = order == null ? Order.FILE : order;
        Metrics figures = order == Order.FILE ? learner.metrics() : judged.metrics(learner.step());
        return new Outcome(run.trades, run.trained, rejected, unknownAgents, order, figures,
                summary(learner, run, rejected, order, figures));
    }

    /** A file in decision time: every trade needs both instants, the close not before the decision. */
    private static void requireTimes(FeedbackJson.Timed t, long firstTrade) {
        String why = " (the first trade, line " + firstTrade + ", has timestamps: the file is learned in decision time)";
        if (t.decidedAt() == null) throw new InvalidTradeException(Rejection.MISSING_FIELD, "decided_at is missing" + why);
        if (t.closedAt() == null) throw new InvalidTradeException(Rejection.MISSING_FIELD, "closed_at is missing" + why);
        if (t.closedAt().isBefore(t.decidedAt())) {
            throw new InvalidTradeException(Rejection.WRONG_TYPE,
                    "closed_at " + t.closedAt() + " is before decided_at " + t.decidedAt());
        }
    }

    /**
     * Decision time: each decision scored with the model as it stands at its instant, each trade
     * trained at its close and judged by that score. A decision whose prediction is not finite is
     * rejected then (the stream dead-letters such a score), and its trade is not learned.
     */
    private static void replay(String command, Learner learner, DecisionTime timed, DecisionFigures judged, RunFigures run,
                               Map<Rejection, Integer> rejected, Map<String, Integer> unknownAgents, PrintWriter err,
                               Listener listener) throws IOException {
        Map<Integer, VoteScore> open = new HashMap<>();
        for (DecisionTime.Event e : timed.events()) {
            DecisionTime.Pending p = timed.get(e.index());
            try {
                if (!e.close()) {
                    VoteScore score = learner.score(p.trade());
                    if (!Double.isFinite(score.predictedReturn())) {
                        throw new InvalidTradeException(Rejection.NON_FINITE_VALUE,
                                "the prediction at decided_at is " + score.predictedReturn());
                    }
                    open.put(e.index(), score);
                    listener.decided(p.trade());
                    continue;
                }
                VoteScore atDecision = open.remove(e.index());
                if (atDecision == null) continue; // rejected at its decision
                long t0 = System.nanoTime();
                StepResult r = learner.train(p.trade()); // may refuse a step it cannot take, unchanged
                long stepNanos = System.nanoTime() - t0;
                StepResult settled = judged.settle(p.trade(), atDecision, r);
                trained(run, unknownAgents, listener, p.trade(), stepNanos, settled, judged.metrics(r.step()));
            } catch (InvalidTradeException x) {
                reject(command, p.line(), x, rejected, err);
            }
        }
    }

    private static void trained(RunFigures run, Map<String, Integer> unknownAgents, Listener listener, Trade trade,
                                long stepNanos, StepResult r, Metrics figures) throws IOException {
        run.add(stepNanos, r);
        for (String agent : r.unknownAgents()) unknownAgents.merge(agent, 1, Integer::sum);
        listener.trained(trade, r, figures);
    }

    private static void reject(String command, long line, InvalidTradeException e, Map<Rejection, Integer> rejected,
                               PrintWriter err) {
        rejected.merge(e.reason(), 1, Integer::sum);
        err.printf("%s: line %d rejected (%s): %s%n", command, line, e.reason().code, e.getMessage());
    }

    private static void warnOfLookAhead(String command, PrintWriter err, int trained, long firstTrade, long firstTimed) {
        if (trained == 0) return;
        err.printf("%s: warning: the trades have no decided_at and closed_at, so they were learned in file order, each "
                + "judged just before it was learned: where holds overlap or decisions share an instant, the figures "
                + "contain look-ahead (docs/USAGE.md, 'learn')%n", command);
        if (firstTimed != 0) {
            err.printf("%s: warning: line %d has timestamps but the first trade, line %d, has none: the file's "
                    + "timestamps were not used%n", command, firstTimed, firstTrade);
        }
    }

    /** The output line of one trained trade. */
    public static ObjectNode line(StepResult r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("training_step", r.step());
        o.put("decision_id", r.decisionId());
        putNumber(o, "predicted_return", r.predictedReturn());
        putNumber(o, "actual_return", r.actualReturn());
        putNumber(o, "loss", r.loss());
        putNumbers(o.putObject("agent_weights"), r.agentWeights());
        return o;
    }

    /** JSON has no NaN or infinity (Jackson would write the string "NaN"): such a value is null. */
    static void putNumber(ObjectNode o, String field, Double value) {
        if (value == null || !Double.isFinite(value)) o.putNull(field);
        else o.put(field, value);
    }

    /** The same for a float, written as the float it is (its shortest decimal). */
    static void putNumber(ObjectNode o, String field, float value) {
        if (!Float.isFinite(value)) o.putNull(field);
        else o.put(field, value);
    }

    private static void putNumbers(ObjectNode o, Map<String, Double> values) {
        values.forEach((field, value) -> putNumber(o, field, value));
    }

    private static ObjectNode summary(Learner learner, RunFigures run, Map<Rejection, Integer> rejected, Order order,
                                      Metrics figures) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("trades", run.trades);
        o.put("trained", run.trained);
        ObjectNode reasons = o.putObject("rejected");
        rejected.forEach((reason, count) -> reasons.put(reason.code, count));
        // only in decision time: the summary of a file without timestamps stays as it was
        if (order == Order.DECISION_TIME) o.put("order", order.code);
        putNumber(o, "median_step_us", run.stepMicros(0.50));
        putNumber(o, "p99_step_us", run.stepMicros(0.99));
        putNumber(o, "loss_first_100", run.loss(true, 100));
        putNumber(o, "loss_last_1000", run.loss(false, 1000));
        putNumber(o, "r2_first_100", run.r2(true, 100));
        putNumber(o, "r2_last_1000", run.r2(false, 1000));
        putNumber(o, "committee_pnl_learned", figures.committeePnlLearned());
        putNumber(o, "committee_pnl_uniform", figures.committeePnlUniform());
        putNumbers(o.putObject("agent_weights"), learner.weights());
        if (!learner.config().response().isNone()) {
            // only with a response configured: a summary without one stays as it was
            ObjectNode regime = o.putObject("regime_response");
            regime.put("response", learner.config().response().toString());
            regime.put("responses", learner.regimeResponses());
            regime.put("last_response_step", learner.lastRegimeResponse());
        }
        if (learner.diverged()) { // only then: a healthy learner's summary stays as it was
            o.putObject("diverged").put("step", learner.divergedAt()).put("reason", learner.divergence());
        }
        o.put("fingerprint", learner.fingerprint());
        return o;
    }
}
