package io.pim.metalearner.learn.score;

import java.util.List;
import java.util.Map;

/**
 * What one training step produced.
 *
 * @param step                      1 for the first trade trained on
 * @param predictedReturn           eval-mode prediction made before this trade's update (prequential)
 * @param actualReturn              the realized target: price move, negated for a short action
 * @param loss                      squared error of this step's training-mode (dropout) forward pass
 * @param rollingLoss               mean prequential squared error over the window
 * @param rollingR2                 R² of predicted vs realized over the window; null when undefined
 * @param rollingDirectionAccuracy  share of the window whose predicted sign was right
 * @param agentWeights              weights after this step, in roster order
 * @param unknownAgents             voters outside the roster, ignored
 */
public record StepResult(long step, String decisionId, float predictedReturn, double actualReturn, float loss,
                         double rollingLoss, Double rollingR2, double rollingDirectionAccuracy,
                         Map<String, Double> agentWeights, List<String> unknownAgents) {
}
