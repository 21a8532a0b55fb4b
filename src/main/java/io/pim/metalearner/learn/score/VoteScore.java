package io.pim.metalearner.learn.score;

/**
 * What a model says about a decision before its outcome is known, computed from its state as it
 * stands ({@link Learner#score}): nothing in it changes the model.
 *
 * @param step             steps the model had trained: the score comes after step {@code step} and before the next
 * @param fingerprint      the model's state fingerprint ({@link LearnerCodec#fingerprint}) when it scored; null from
 *                         {@link Learner#score(io.pim.metalearner.learn.trade.Trade)}, which does not compute it
 * @param predictedReturn  the network's eval-mode prediction of the position's return (no dropout, no random draw)
 * @param committeeLearned Σ wᵢ·dirᵢ·confᵢ over the roster agents that voted, with the model's current weights
 * @param committeeUniform the same sum with every weight 1
 */
public record VoteScore(long step, String fingerprint, double predictedReturn, double committeeLearned,
                        double committeeUniform) {
}
