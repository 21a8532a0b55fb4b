package io.pim.metalearner.learn.score;

/**
 * The learner's running figures after {@code step} trades.
 *
 * @param committeePnlLearned sum over trades of sign(Σ wᵢ·dirᵢ·confᵢ)·price move with the weights as
 *                            they were before each trade: what the committee earned per unit position
 * @param committeePnlUniform the same with every weight 1: the committee without learning
 */
public record Metrics(long step, double rollingLoss, Double rollingR2, double rollingDirectionAccuracy,
                      double committeePnlLearned, double committeePnlUniform) {
}
