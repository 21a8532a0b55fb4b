package io.pim.metalearner.tools.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.stream.TrainingReplay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's proof per model: the live learner (its last weights-updated) against an offline
 * replay of the model's partition of the training topic. Each model is replayed on its own, so
 * with N desks the demo shows N fingerprint pairs and fails if any pair differs.
 */
final class DemoModels {
    /** One model: its last step, live and replayed fingerprints, and its live weights in roster order. */
    record Check(String modelId, long trainingStep, String live, String replayed, Map<String, Double> weights) {
        boolean agrees() {
            return live.equals(replayed);
        }

        void into(ObjectNode node) {
            node.put("training_step", trainingStep);
            node.put("fingerprint", live);
            node.put("replay_fingerprint", replayed);
        }
    }

    private DemoModels() {
    }

    static List<Check> check(ServiceConfig config, Map<String, WeightsUpdated> lastByModel, List<String> modelIds) {
        List<Check> checks = new ArrayList<>();
        for (String modelId : modelIds) {
            Learner replay = TrainingReplay.fromTopic(config, config.learner(), modelId).learner();
            WeightsUpdated last = lastByModel.get(modelId);
            checks.add(new Check(modelId, last == null ? 0 : last.getTrainingStep(),
                    liveFingerprint(last, config.learner()), replay.fingerprint(), agentWeights(last, replay)));
        }
        return checks;
    }

    /** The live learner's state after its last step, or a fresh learner's if it never trained. */
    private static String liveFingerprint(WeightsUpdated last, LearnerConfig config) {
        return last == null ? Learner.create(config).fingerprint() : last.getFingerprint();
    }

    /** The live weights in roster order (the replay's map gives the order; the wire map has none). */
    private static Map<String, Double> agentWeights(WeightsUpdated last, Learner replayed) {
        if (last == null) return replayed.weights();
        Map<String, Double> ordered = new LinkedHashMap<>();
        replayed.weights().keySet().forEach(agent -> {
            Double w = last.getAgentWeights().get(agent);
            if (w != null) ordered.put(agent, w);
        });
        last.getAgentWeights().forEach(ordered::putIfAbsent);
        return ordered;
    }
}
