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
import io.pim.metalearner.learn.trade.Trade;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The offline training loop {@code learn} and {@code evaluate} share, so an evaluation report is
 * about exactly the model {@code learn} would train: a fresh learner takes the file's trades in
 * order, bad lines are rejected with a reason and counted, and the run ends with the
 * {@code learn --summary} JSON. What to do with each trained trade is the caller's.
 */
public final class TrainingRun {
    public static final JsonMapper MAPPER = JsonMapper.builder().disable(SerializationFeature.INDENT_OUTPUT).build();

    /** Called once per trained trade, after the learner's step. */
    public interface Listener {
        void trained(Trade trade, StepResult step, Learner learner) throws IOException;
    }

    /** What the run saw; {@code summary} is the {@code learn --summary} object. */
    public record Outcome(long trades, int trained, Map<Rejection, Integer> rejected, Map<String, Integer> unknownAgents,
                   ObjectNode summary) {
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
        Set<String> trained = new HashSet<>();
        var run = new RunFigures();
        while (in.advance()) {
            String line = in.text();
            if (line != null && line.isBlank()) continue;
            run.trades++;
            Trade trade;
            StepResult r;
            long stepNanos;
            try {
                if (line == null) throw new InvalidTradeException(Rejection.UNREADABLE, "not valid UTF-8");
                trade = FeedbackJson.parse(line);
                if (trained.contains(trade.decisionId())) {
                    throw new InvalidTradeException(Rejection.DUPLICATE,
                            "decision_id " + trade.decisionId() + " was already trained on");
                }
                long t0 = System.nanoTime();
                r = learner.train(trade); // may refuse a step it cannot take, unchanged
                stepNanos = System.nanoTime() - t0;
                trained.add(trade.decisionId());
            } catch (InvalidTradeException e) {
                rejected.merge(e.reason(), 1, Integer::sum);
                err.printf("%s: line %d rejected (%s): %s%n", command, in.number(), e.reason().code, e.getMessage());
                continue;
            }
            run.add(stepNanos, r);
            for (String agent : r.unknownAgents()) unknownAgents.merge(agent, 1, Integer::sum);
            listener.trained(trade, r, learner);
        }
        return new Outcome(run.trades, run.trained, rejected, unknownAgents, summary(learner, run, rejected));
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

    private static ObjectNode summary(Learner learner, RunFigures run, Map<Rejection, Integer> rejected) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("trades", run.trades);
        o.put("trained", run.trained);
        ObjectNode reasons = o.putObject("rejected");
        rejected.forEach((reason, count) -> reasons.put(reason.code, count));
        putNumber(o, "median_step_us", run.stepMicros(0.50));
        putNumber(o, "p99_step_us", run.stepMicros(0.99));
        putNumber(o, "loss_first_100", run.loss(true, 100));
        putNumber(o, "loss_last_1000", run.loss(false, 1000));
        putNumber(o, "r2_first_100", run.r2(true, 100));
        putNumber(o, "r2_last_1000", run.r2(false, 1000));
        Metrics m = learner.metrics();
        putNumber(o, "committee_pnl_learned", m.committeePnlLearned());
        putNumber(o, "committee_pnl_uniform", m.committeePnlUniform());
        putNumbers(o.putObject("agent_weights"), learner.weights());
        if (!learner.config().response().isNone()) {
            // only with a response configured: a summary without one stays as it was
            ObjectNode regime = o.putObject("regime_response");
            regime.put("response", learner.config().response().toString());
            regime.put("responses", learner.regimeResponses());
            regime.put("last_response_step", learner.lastRegimeResponse());
        }
        o.put("fingerprint", learner.fingerprint());
        return o;
    }
}
