package io.pim.metalearner.api;

import io.pim.metalearner.learn.score.DecisionTimeFigures;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.race.PromotionPolicy;
import io.pim.metalearner.learn.race.ShadowRace;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the HTTP layer reads about the learning: one model's state, wherever it is held. */
public interface LearnerView {

    /** The model's current state; empty when no instance holds any for it (not trained yet, or no such model). */
    Optional<Status> status(String modelId);

    /**
     * Scores a decision now with the model's current state, as the stream scores it at vote time:
     * for a model no instance holds state for, a fresh learner of the configured config (step 0).
     */
    VoteScore score(String modelId, Map<String, Vote> votes);

    /** Dead-lettered inputs so far, by reason (on this instance, when there are several). */
    Map<String, Long> deadLetterCounts();

    /**
     * The model's stored state if this instance holds it, for another instance that was asked
     * about it; opaque bytes that only the same implementation reads.
     */
    default Optional<byte[]> localState(String modelId) {
        return Optional.empty();
    }

    /** Every model any instance holds, with the instance that trains it ({@code host:port}) and its step. */
    default List<ModelEntry> models() {
        return localModels();
    }

    /** The models this instance trains (active tasks only, standbys are not answers). */
    default List<ModelEntry> localModels() {
        return List.of();
    }

    /** One model in the listing; {@code owner} is the {@code application.server} of the instance that trains it. */
    record ModelEntry(String modelId, String owner, long trainingStep) {
    }

    /** The state cannot be read now (a rebalance, a restore, an unreachable instance): try again shortly. */
    final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A snapshot of one model after its latest step. {@code rollingR2} is null while undefined. */
    record Status(String modelId, long trainingStep, double rollingLoss, Double rollingR2, double directionAccuracy,
                  double committeePnlLearned, double committeePnlUniform, List<CurvePoint> curve,
                  List<Agent> agents, List<AlertEvent> activeAlerts, List<ScoredDecision> recentScores, Race race,
                  DecisionTimeFigures decisionTime) {
        /** Without decision-time figures (a model whose watch has none yet). */
        public Status(String modelId, long trainingStep, double rollingLoss, Double rollingR2, double directionAccuracy,
                      double committeePnlLearned, double committeePnlUniform, List<CurvePoint> curve,
                      List<Agent> agents, List<AlertEvent> activeAlerts, List<ScoredDecision> recentScores, Race race) {
            this(modelId, trainingStep, rollingLoss, rollingR2, directionAccuracy, committeePnlLearned, committeePnlUniform,
                    curve, agents, activeAlerts, recentScores, race, null);
        }

        /** A model without shadow candidates: no race. */
        public Status(String modelId, long trainingStep, double rollingLoss, Double rollingR2, double directionAccuracy,
                      double committeePnlLearned, double committeePnlUniform, List<CurvePoint> curve,
                      List<Agent> agents, List<AlertEvent> activeAlerts, List<ScoredDecision> recentScores) {
            this(modelId, trainingStep, rollingLoss, rollingR2, directionAccuracy, committeePnlLearned, committeePnlUniform,
                    curve, agents, activeAlerts, recentScores, null);
        }
    }

    /**
     * The model's race with its shadow candidates over the last {@code window} trades: the live
     * model's figures, each candidate's against it, the candidates that beat it now
     * ({@code candidate-better} raised) and the promotion policy.
     */
    record Race(int window, PromotionPolicy policy, ShadowRace.Live live, List<ShadowRace.Standing> standings,
                List<String> better, boolean driftInWindow, long tradesSincePromotion) {
    }

    /**
     * A decision scored at vote time, oldest first; {@code actualReturn} and {@code trainedAtStep}
     * are null until the model trained on its close.
     */
    record ScoredDecision(String decisionId, long scoredAfterStep, double predictedReturn, double committeeLearned,
                          double committeeUniform, Double actualReturn, Long trainedAtStep) {
    }

    /** One step of the learning curve: its loss, the rolling loss after it, and the prequential prediction. */
    record CurvePoint(long trainingStep, double loss, double rollingLoss, double predictedReturn, double actualReturn) {
    }

    /** An agent's weight and record, in roster order. */
    record Agent(String name, double weight, long decisions, double accuracy, double avgProfitContribution) {
    }
}
