package io.pim.metalearner.offline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.trade.Rejection;
import io.pim.metalearner.learn.trade.Trade;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Candidates learning beside a main learner, offline: each trade the main learner trained on goes
 * to every candidate, in the same order, so their figures compare on exactly the same trades. Each
 * candidate is its own {@link Learner} with its own random state: none of them changes what the
 * main learner computes.
 */
public final class CandidateRace {

    private record Entrant(LearnerSpec spec, Learner learner, RunFigures run, Map<String, Integer> refused,
                           DecisionFigures judged, Map<String, VoteScore> open) {
    }

    private final List<Entrant> entrants = new ArrayList<>();
    private boolean decisionTime;

    /**
     * @param specs candidates as {@link LearnerSpec#parseList} reads them
     * @param base  the main learner's config: roster, engine, seed and window are the desk's
     * @throws IllegalArgumentException if a spec is not valid, or two candidates have the same name
     */
    public CandidateRace(String specs, LearnerConfig base) {
        for (LearnerSpec spec : LearnerSpec.parseList(specs)) {
            if (entrants.stream().anyMatch(e -> e.spec.name().equals(spec.name()))) {
                throw new IllegalArgumentException("'" + spec.name() + "' is listed twice");
            }
            LearnerConfig config;
            try {
                config = spec.applyTo(base);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + spec.name() + "': " + e.getMessage(), e);
            }
            entrants.add(new Entrant(spec, Learner.create(config), new RunFigures(), new LinkedHashMap<>(),
                    new DecisionFigures(config.window()), new HashMap<>()));
        }
    }

    /**
     * A decision the main learner scored, in decision time: every candidate scores it with its model
     * as it stands. A candidate whose prediction is not finite refuses the trade (counted when it closes).
     */
    public void decide(Trade trade) {
        decisionTime = true;
        for (Entrant e : entrants) e.open.put(trade.decisionId(), e.learner.score(trade));
    }

    /** A trade the main learner trained on: every candidate learns it (one that refuses it is counted). */
    public void train(Trade trade) {
        for (Entrant e : entrants) {
            e.run.trades++;
            VoteScore atDecision = e.open.remove(trade.decisionId());
            long t0 = System.nanoTime();
            StepResult r;
            try {
                if (atDecision != null && !Double.isFinite(atDecision.predictedReturn())) {
                    throw new InvalidTradeException(Rejection.NON_FINITE_VALUE, "the prediction at decided_at is not finite");
                }
                r = e.learner.train(trade);
            } catch (InvalidTradeException refused) {
                e.refused.merge(refused.reason().code, 1, Integer::sum);
                continue;
            }
            long stepNanos = System.nanoTime() - t0;
            e.run.add(stepNanos, atDecision == null ? r : e.judged.settle(trade, atDecision, r));
        }
    }

    /** The summary's {@code candidates} object: per candidate, by the name it was given. */
    public void summarize(ObjectNode candidates) {
        for (Entrant e : entrants) {
            ObjectNode o = candidates.putObject(e.spec.name());
            o.put("spec", e.learner.config().spec());
            o.put("trained", e.run.trained);
            ObjectNode refused = o.putObject("refused");
            e.refused.forEach(refused::put);
            if (e.learner.diverged()) { // only then: a healthy candidate's summary is as it always was
                o.putObject("diverged").put("step", e.learner.divergedAt()).put("reason", e.learner.divergence());
            }
            TrainingRun.putNumber(o, "r2_last_1000", e.run.r2(false, 1000));
            TrainingRun.putNumber(o, "loss_last_1000", e.run.loss(false, 1000));
            Metrics m = decisionTime ? e.judged.metrics(e.learner.step()) : e.learner.metrics();
            TrainingRun.putNumber(o, "committee_pnl_learned", m.committeePnlLearned());
            TrainingRun.putNumber(o, "committee_pnl_uniform", m.committeePnlUniform());
            TrainingRun.putNumber(o, "median_step_us", e.run.stepMicros(0.50));
            o.put("fingerprint", e.learner.fingerprint());
        }
    }
}
