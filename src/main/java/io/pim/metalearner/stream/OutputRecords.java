package io.pim.metalearner.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.AgentVote;
import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.AlertState;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.score.AgentStats;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.alert.AlertEvent;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The records the training task publishes, built from a step, a learner or an alert: pure
 * functions, so the processor only decides what to emit and when. Rows for PostgreSQL carry the
 * training-topic offset of the record that produced them: it grows across a reset, the step does not.
 */
final class OutputRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OutputRecords() {
    }

    /**
     * The committee's record of a step; the source names the training-topic record it came from (the
     * oracle). {@code settled} is the step judged at its decision, with the model's decision-time figures.
     */
    static WeightsUpdated weightsUpdated(String modelId, StepResult step, ModelMonitor.Settled settled,
                                         String fingerprint, RecordMetadata source, Instant at) {
        Metrics judged = settled.figures();
        boolean any = !Double.isNaN(judged.rollingLoss()); // NaN until a trade was judged
        return WeightsUpdated.newBuilder()
                .setModelId(modelId).setTrainingStep(step.step()).setDecisionId(step.decisionId())
                .setAgentWeights(new LinkedHashMap<>(step.agentWeights()))
                .setPredictedReturn(step.predictedReturn()).setActualReturn(step.actualReturn())
                .setLoss(step.loss()).setRollingLoss(step.rollingLoss()).setRollingR2(step.rollingR2())
                .setRollingDirectionAccuracy(step.rollingDirectionAccuracy())
                .setFingerprint(fingerprint)
                .setSourceTopic(source.topic()).setSourcePartition(source.partition()).setSourceOffset(source.offset())
                .setTimestamp(at)
                .setDecisionPredictedReturn(settled.judged() == null ? null : (double) settled.judged().predictedReturn())
                .setDecisionRollingLoss(any ? judged.rollingLoss() : null)
                .setDecisionRollingR2(judged.rollingR2())
                .setDecisionRollingDirectionAccuracy(any ? judged.rollingDirectionAccuracy() : null)
                .setDecisionCommitteePnlLearned(any ? judged.committeePnlLearned() : null)
                .setDecisionCommitteePnlUniform(any ? judged.committeePnlUniform() : null)
                .setUnscoredTrades(settled.unscored())
                .build();
    }

    static TrainingLog trainingLog(String modelId, TrainingExample example, StepResult step, RecordMetadata source, Instant at) {
        return TrainingLog.newBuilder()
                .setModelId(modelId).setTrainingStep(step.step()).setDecisionId(step.decisionId())
                .setAgentVotes(votesJson(example.getVotes().getAgentVotes()))
                .setPredictedProfit(step.predictedReturn()).setActualProfit(step.actualReturn())
                .setLoss(step.loss()).setTimestamp(at).setSourceOffset(source.offset())
                .build();
    }

    /** One row per roster agent. */
    static List<AgentPerformance> agentPerformance(String modelId, Learner learner, long sourceOffset, Instant at) {
        List<AgentPerformance> rows = new ArrayList<>();
        for (Map.Entry<String, AgentStats> e : learner.agentStats().entrySet()) {
            AgentStats s = e.getValue();
            rows.add(AgentPerformance.newBuilder()
                    .setModelId(modelId).setAgentId(e.getKey()).setTrainingStep(learner.step())
                    .setTotalDecisions(s.decisions()).setAccuracy(s.accuracy())
                    .setAvgProfitContribution(s.avgProfitContribution()).setCurrentWeight(s.weight())
                    .setUpdatedAt(at).setSourceOffset(sourceOffset)
                    .build());
        }
        return rows;
    }

    static WeightSnapshot weightSnapshot(String modelId, Learner learner, long sourceOffset, Instant at) {
        Metrics m = learner.metrics();
        return WeightSnapshot.newBuilder()
                .setModelId(modelId).setTrainingStep(learner.step()).setTimestamp(at)
                .setAgentWeights(json(learner.weights()))
                .setTrainingLoss(m.rollingLoss()).setPredictionAccuracy(m.rollingDirectionAccuracy())
                .setSourceOffset(sourceOffset)
                .build();
    }

    static Alert alert(String modelId, AlertEvent alert, Instant at) {
        return Alert.newBuilder()
                .setModelId(modelId).setType(alert.type().id())
                .setState(alert.raised() ? AlertState.RAISED : AlertState.CLEARED)
                .setMessage(alert.message()).setTrainingStep(alert.trainingStep())
                .setValue(Double.isFinite(alert.value()) ? alert.value() : null)
                .setThreshold(Double.isFinite(alert.threshold()) ? alert.threshold() : null)
                .setTimestamp(at)
                .build();
    }

    /** The seed's agent_votes JSON: agent → {direction, confidence, position_size}, agents sorted. */
    static String votesJson(Map<String, AgentVote> votes) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        votes.forEach((agent, v) -> {
            Map<String, Object> vote = new LinkedHashMap<>();
            vote.put("direction", v.getDirection().name());
            vote.put("confidence", v.getConfidence());
            vote.put("position_size", v.getPositionSize());
            out.put(agent, vote);
        });
        return json(out);
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps of strings and numbers always serialize", e);
        }
    }
}
