package io.pim.metalearner.testing;

import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * What the stream emits for a run of trained trades, made the way the learner makes it: a
 * committee of nine agents votes, the price moves, the agents' weights follow the seed-ema rule,
 * per-agent figures accumulate, and every tenth step a snapshot of the weights goes out.
 * The model's prediction is a stand-in (the network is not what these tests are about).
 */
public final class TradeHistory {
    public static final List<String> AGENTS = List.of("technical", "fundamental", "sentiment", "momentum",
            "mean_reversion", "macro", "volatility", "news", "risk");
    public static final int SNAPSHOT_EVERY = 10;
    private static final long START_MILLIS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    /** The records of one step: its training-log row, one agent-performance row per agent, maybe a snapshot. */
    public record Step(TrainingLog log, List<AgentPerformance> performance, WeightSnapshot snapshot) {
    }

    private TradeHistory() {
    }

    /** Steps 1..trades, as if they came from training-topic offsets 0..trades-1. */
    public static List<Step> generate(String modelId, int trades, long seed) {
        return generate(modelId, trades, seed, 0);
    }

    /**
     * Steps 1..trades from training-topic offsets firstOffset.. (a history after a reset starts at
     * step 1 again, at a later offset).
     */
    public static List<Step> generate(String modelId, int trades, long seed, long firstOffset) {
        Random random = new Random(seed);
        int n = AGENTS.size();
        double[] skill = new double[n];
        double[] weight = new double[n];
        long[] decisions = new long[n];
        long[] correct = new long[n];
        double[] contribution = new double[n];
        for (int a = 0; a < n; a++) {
            skill[a] = 0.45 + 0.2 * random.nextDouble();
            weight[a] = 1.0;
        }
        double rollingLoss = 0;
        double rollingHits = 0;
        List<Step> steps = new ArrayList<>(trades);
        for (int step = 1; step <= trades; step++) {
            Instant at = Instant.ofEpochMilli(START_MILLIS + step * 60_000L);
            long sourceOffset = firstOffset + step - 1;
            double priceMove = random.nextGaussian() * 0.02;
            StringBuilder votes = new StringBuilder("{");
            double signal = 0;
            int[] direction = new int[n];
            double[] confidence = new double[n];
            for (int a = 0; a < n; a++) {
                double roll = random.nextDouble();
                direction[a] = roll < 0.15 ? 0 : (random.nextDouble() < skill[a] ? 1 : -1) * (priceMove >= 0 ? 1 : -1);
                confidence[a] = Math.round((0.3 + 0.7 * random.nextDouble()) * 1000) / 1000.0;
                double size = Math.round(random.nextDouble() * 0.1 * 10_000) / 10_000.0;
                signal += direction[a] * confidence[a] * weight[a];
                if (a > 0) votes.append(", ");
                votes.append(String.format(Locale.ROOT, "\"%s\": {\"direction\": \"%s\", \"confidence\": %s, \"position_size\": %s}",
                        AGENTS.get(a), direction[a] > 0 ? "LONG" : direction[a] < 0 ? "SHORT" : "NEUTRAL", confidence[a], size));
            }
            votes.append('}');
            double predicted = Math.tanh(signal / n) * 0.20;
            double loss = (predicted - priceMove) * (predicted - priceMove);
            rollingLoss = step == 1 ? loss : 0.99 * rollingLoss + 0.01 * loss;
            rollingHits = 0.99 * rollingHits + 0.01 * (Math.signum(predicted) == Math.signum(priceMove) ? 1 : 0);

            List<AgentPerformance> performance = new ArrayList<>(n);
            for (int a = 0; a < n; a++) {
                if (direction[a] != 0) {
                    double d = confidence[a] * Math.abs(priceMove) * 5;
                    double u = direction[a] * priceMove > 0 ? 1 + d : 1 - d;
                    weight[a] = Math.max(0.1, Math.min(2.0, 0.1 * u + 0.9 * weight[a]));
                    decisions[a]++;
                    if (direction[a] * priceMove > 0) correct[a]++;
                    contribution[a] += direction[a] * confidence[a] * priceMove;
                }
                performance.add(AgentPerformance.newBuilder()
                        .setModelId(modelId).setAgentId(AGENTS.get(a)).setTrainingStep(step)
                        .setTotalDecisions(decisions[a])
                        .setAccuracy(decisions[a] == 0 ? 0 : (double) correct[a] / decisions[a])
                        .setAvgProfitContribution(decisions[a] == 0 ? 0 : contribution[a] / decisions[a])
                        .setCurrentWeight(weight[a])
                        .setUpdatedAt(at).setSourceOffset(sourceOffset)
                        .build());
            }
            TrainingLog log = TrainingLog.newBuilder()
                    .setModelId(modelId).setTrainingStep(step).setDecisionId(modelId + "-" + seed + "-decision-" + step)
                    .setAgentVotes(votes.toString()).setPredictedProfit(predicted).setActualProfit(priceMove)
                    .setLoss(loss).setTimestamp(at).setSourceOffset(sourceOffset).build();
            WeightSnapshot snapshot = null;
            if (step % SNAPSHOT_EVERY == 0) {
                Map<String, Double> weights = new LinkedHashMap<>();
                for (int a = 0; a < n; a++) weights.put(AGENTS.get(a), weight[a]);
                snapshot = WeightSnapshot.newBuilder()
                        .setModelId(modelId).setTrainingStep(step).setTimestamp(at)
                        .setAgentWeights(toJson(weights)).setTrainingLoss(rollingLoss).setPredictionAccuracy(rollingHits)
                        .setSourceOffset(sourceOffset)
                        .build();
            }
            steps.add(new Step(log, performance, snapshot));
        }
        return steps;
    }

    private static String toJson(Map<String, Double> weights) {
        StringBuilder json = new StringBuilder("{");
        weights.forEach((agent, w) -> json.append(json.length() > 1 ? ", " : "").append('"').append(agent).append("\": ").append(w));
        return json.append('}').toString();
    }
}
