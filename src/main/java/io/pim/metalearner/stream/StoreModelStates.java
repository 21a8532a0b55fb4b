package io.pim.metalearner.stream;

import io.pim.metalearner.kafka.CheckpointKeys;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@link TrainingRules}'s storage in the training task's changelogged stores. */
final class StoreModelStates implements TrainingRules.ModelStates {
    private static final Logger log = LoggerFactory.getLogger(StoreModelStates.class);

    private final KeyValueStore<String, byte[]> learners;
    private final KeyValueStore<String, byte[]> followers;
    private final KeyValueStore<String, byte[]> checkpoints;
    private final LearnerConfig configured;
    /**
     * Decoded learners, so a step does not decode ~47 KB first. Only ever a copy of what the store
     * holds: new with every task (re)initialization, and emptied ({@link #forget}) when a record
     * fails after training in memory, so the retry re-reads the store.
     */
    private final Map<String, Learner> decoded = new HashMap<>();
    /** The stored learners' fingerprints, so a score between two steps does not hash the state again; a copy like {@link #decoded}. */
    private final Map<String, String> fingerprints = new HashMap<>();

    StoreModelStates(KeyValueStore<String, byte[]> learners, KeyValueStore<String, byte[]> followers,
                 KeyValueStore<String, byte[]> checkpoints, LearnerConfig configured) {
        this.learners = learners;
        this.followers = followers;
        this.checkpoints = checkpoints;
        this.configured = configured;
    }

    void forget() {
        decoded.clear();
        fingerprints.clear();
    }

    @Override
    public Learner learner(String modelId) {
        Learner cached = decoded.get(modelId);
        if (cached != null) return cached;
        byte[] state = learners.get(modelId);
        if (state == null) return null;
        Learner l = LearnerCodec.decode(state, configured.engine());
        if (!l.config().equals(configured) && !modelId.contains(LearningTopology.CANDIDATE_SEPARATOR)) {
            // the state is self-describing; a changed config applies to new models only
            log.warn("model '{}' keeps its stored config {}, not the configured {}", modelId, l.config(), configured);
        }
        decoded.put(modelId, l);
        return l;
    }

    @Override
    public void putLearner(String modelId, Learner learner, byte[] state, String fingerprint) {
        learners.put(modelId, state);
        decoded.put(modelId, learner);
        fingerprints.put(modelId, fingerprint);
    }

    @Override
    public String fingerprint(String modelId) {
        String known = fingerprints.get(modelId);
        if (known != null) return known;
        byte[] state = learners.get(modelId); // after a restart: hashed once, then kept like the learner
        if (state == null) return null;
        String fingerprint = LearnerCodec.fingerprint(state);
        fingerprints.put(modelId, fingerprint);
        return fingerprint;
    }

    @Override
    public TrainingRules.CandidatesAndOffset candidatesAndOffset(String modelId) {
        byte[] bytes = followers.get(modelId);
        return bytes == null ? TrainingRules.CandidatesAndOffset.NONE : TrainingRules.CandidatesAndOffset.decode(bytes);
    }

    @Override
    public void putCandidatesAndOffset(String modelId, TrainingRules.CandidatesAndOffset f) {
        followers.put(modelId, f.encode());
    }

    @Override
    public void putCheckpoint(String modelId, long step, byte[] state) {
        checkpoints.put(CheckpointKeys.key(modelId, step), state);
    }

    @Override
    public byte[] checkpointAtOrBefore(String modelId, long step) {
        try (KeyValueIterator<String, byte[]> it = checkpoints.reverseRange(
                CheckpointKeys.key(modelId, 0), CheckpointKeys.key(modelId, step))) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (CheckpointKeys.step(modelId, kv.key) >= 0) return kv.value;
            }
        }
        return null;
    }

    @Override
    public List<Long> deleteCheckpoints(String modelId, long fromStep, long toStep) {
        List<Long> steps = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = checkpoints.range(
                CheckpointKeys.key(modelId, fromStep), CheckpointKeys.key(modelId, toStep))) {
            while (it.hasNext()) {
                long s = CheckpointKeys.step(modelId, it.next().key);
                if (s >= 0) steps.add(s);
            }
        }
        for (long s : steps) checkpoints.delete(CheckpointKeys.key(modelId, s));
        return steps;
    }
}
