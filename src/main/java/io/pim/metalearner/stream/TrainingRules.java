package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandType;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.score.OpenDecision;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.learn.score.VoteScore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a training-topic record does to the models: a trade trains its model and the model's
 * candidates, a command resets, rolls back, restores, promotes or installs a candidate, and every
 * {@code checkpoint.every}-th step is checkpointed. One set of rules, run by the training processor
 * over its state stores and by {@link TrainingReplay} over memory, so a replay of the training
 * topic reproduces the live models byte for byte, commands included.
 * <p>
 * It only changes state; the caller emits what the returned results describe. Votes on the
 * training topic (there to be scored) change nothing: {@link #scorer} only reads.
 */
final class TrainingRules {
    private static final Logger log = LoggerFactory.getLogger(TrainingRules.class);
    /** Room for the Avro framing around a checkpoint's state (ids, fingerprint, step, offset). */
    static final int CHECKPOINT_OVERHEAD = 1024;

    /** Where the models live: state stores live, maps in a replay. */
    interface ModelStates {
        /** The model's learner, or null if the model has never existed. */
        Learner learner(String modelId);

        /** @param fingerprint {@link LearnerCodec#fingerprint(byte[])} of {@code state}, computed once by the caller */
        void putLearner(String modelId, Learner learner, byte[] state, String fingerprint);

        /** The fingerprint of the model's stored learner, or null if the model has never existed. */
        String fingerprint(String modelId);

        /** The model's candidates and last trained offset; {@link CandidatesAndOffset#NONE} if it has none. */
        CandidatesAndOffset candidatesAndOffset(String modelId);

        void putCandidatesAndOffset(String modelId, CandidatesAndOffset followers);

        void putCheckpoint(String modelId, long step, byte[] state);

        /** The newest checkpoint of the model whose step is at or before {@code step}, or null. */
        byte[] checkpointAtOrBefore(String modelId, long step);

        /** Deletes the model's checkpoints with a step in [{@code fromStep}, {@code toStep}]; returns their steps, ascending. */
        List<Long> deleteCheckpoints(String modelId, long fromStep, long toStep);
    }

    /**
     * What follows a model: the training-topic offset of the last record it trained on and the
     * candidates that learn beside it.
     */
    record CandidatesAndOffset(long lastOffset, List<String> candidates) {
        static final CandidatesAndOffset NONE = new CandidatesAndOffset(-1, List.of());

        CandidatesAndOffset withLastOffset(long offset) {
            return new CandidatesAndOffset(offset, candidates);
        }

        CandidatesAndOffset withCandidate(String id) {
            if (candidates.contains(id)) return this;
            List<String> more = new ArrayList<>(candidates);
            more.add(id);
            return new CandidatesAndOffset(lastOffset, List.copyOf(more));
        }

        byte[] encode() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeLong(lastOffset);
                out.writeInt(candidates.size());
                for (String c : candidates) out.writeUTF(c);
            } catch (IOException e) {
                throw new UncheckedIOException("writing to memory cannot fail", e);
            }
            return bytes.toByteArray();
        }

        static CandidatesAndOffset decode(byte[] bytes) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                long offset = in.readLong();
                int n = in.readInt();
                List<String> candidates = new ArrayList<>(n);
                for (int i = 0; i < n; i++) candidates.add(in.readUTF());
                return new CandidatesAndOffset(offset, List.copyOf(candidates));
            } catch (IOException e) {
                throw new IllegalStateException("followers state is unreadable: " + e.getMessage(), e);
            }
        }
    }

    /** One model trained one step: its learner afterwards, with the state's bytes and fingerprint. */
    record Step(String modelId, Learner learner, StepResult result, byte[] state, String fingerprint) {
    }

    /** Checkpoint bookkeeping of one step: written (with its state), too big, and the steps deleted by retention. */
    record CheckpointWrite(String modelId, long step, byte[] state, String fingerprint, String failure,
                           List<Long> deleted) {
        boolean failed() {
            return failure != null;
        }
    }

    /** A trade record's effect: the trained model first, then its candidates. */
    record Trained(List<Step> steps, List<CheckpointWrite> checkpoints) {
    }

    /**
     * A command applied: the model's learner afterwards, the steps of the checkpoints it deleted, and
     * the checkpoint it starts the model's new line with (installing a candidate), or null.
     */
    record Applied(String modelId, Learner learner, byte[] state, String fingerprint, List<Long> deletedCheckpoints,
                   CheckpointWrite checkpoint) {
    }

    /** A command that cannot be applied; {@code reason} is the dead-letter reason code. */
    static final class Rejected extends Exception {
        final String reason;

        Rejected(String reason, String detail) {
            super(detail);
            this.reason = reason;
        }
    }

    private final ModelStates storage;
    private final LearnerConfig defaultConfig;
    private final ServiceConfig.CheckpointPolicy policy;
    /** The shadow candidates every new model gets ({@code candidates}). */
    private final List<LearnerSpec> candidateSpecs;
    /** Scores for models not trained yet; only ever read (see {@link #scorer}). */
    private Learner fresh;
    private String freshFingerprint;
    /** The same for the configured candidates of a model never trained, by spec name; only ever read. */
    private final Map<String, Learner> freshCandidates = new HashMap<>();

    TrainingRules(ModelStates storage, LearnerConfig defaultConfig, ServiceConfig.CheckpointPolicy policy,
                  List<LearnerSpec> candidateSpecs) {
        this.storage = storage;
        this.defaultConfig = defaultConfig;
        this.policy = policy;
        this.candidateSpecs = List.copyOf(candidateSpecs);
    }


    /**
     * Trains {@code modelId} on the (already validated) trade at {@code offset}, then each of its
     * candidates. A candidate whose learner refuses the step ({@link Learner#train}) skips it.
     *
     * @throws InvalidTradeException if the model's own learner refuses the step; nothing changed
     */
    Trained train(String modelId, Trade trade, long offset) {
        List<Step> steps = new ArrayList<>();
        List<CheckpointWrite> checkpoints = new ArrayList<>();
        CandidatesAndOffset followers = storage.candidatesAndOffset(modelId);
        Map<String, Learner> created = new HashMap<>();
        if (storage.learner(modelId) == null) followers = withConfiguredCandidates(modelId, followers, created);
        steps.add(step(modelId, learnerOrFresh(modelId), trade, offset, checkpoints));
        for (String candidate : followers.candidates()) {
            Learner learner = created.containsKey(candidate) ? created.get(candidate) : storage.learner(candidate);
            if (learner == null) continue;
            try {
                steps.add(step(candidate, learner, trade, offset, checkpoints));
            } catch (InvalidTradeException e) {
                log.warn("candidate '{}' of model '{}' skips the trade at offset {}: {} ({})", candidate, modelId,
                        offset, e.reason().code, e.getMessage());
            }
        }
        storage.putCandidatesAndOffset(modelId, followers.withLastOffset(offset));
        return new Trained(steps, checkpoints);
    }

    /**
     * A model's first trade brings its configured shadow candidates to life, fresh, so they learn
     * from exactly the trades it learns from. Rules, not configuration read elsewhere: a replay
     * with the same config creates them at the same record.
     */
    private CandidatesAndOffset withConfiguredCandidates(String modelId, CandidatesAndOffset followers,
                                                         Map<String, Learner> created) {
        for (LearnerSpec spec : candidateSpecs) {
            String id = LearningTopology.candidateId(modelId, spec.name());
            if (storage.learner(id) != null) continue; // an id in use is never overwritten
            created.put(id, Learner.create(spec.applyTo(defaultConfig)));
            followers = followers.withCandidate(id);
            log.info("model '{}' starts with shadow candidate '{}': {}", modelId, id, spec.text());
        }
        return followers;
    }

    private Step step(String modelId, Learner learner, Trade trade, long offset, List<CheckpointWrite> checkpoints) {
        StepResult result = learner.train(trade);
        byte[] state = LearnerCodec.encode(learner);
        String fingerprint = LearnerCodec.fingerprint(state);
        storage.putLearner(modelId, learner, state, fingerprint);
        if (result.step() % policy.every() == 0) checkpoints.add(checkpoint(modelId, result.step(), state, fingerprint));
        return new Step(modelId, learner, result, state, fingerprint);
    }

    private CheckpointWrite checkpoint(String modelId, long step, byte[] state, String fingerprint) {
        if (state.length + CHECKPOINT_OVERHEAD > policy.maxBytes()) {
            return new CheckpointWrite(modelId, step, state, fingerprint, String.format(Locale.ROOT,
                    "state of %,d bytes does not fit checkpoint.max-bytes = %,d", state.length, policy.maxBytes()),
                    List.of());
        }
        storage.putCheckpoint(modelId, step, state);
        long oldestKept = step - (long) (policy.keep() - 1) * policy.every();
        List<Long> deleted = oldestKept > 0 ? storage.deleteCheckpoints(modelId, 0, oldestKept - 1) : List.of();
        return new CheckpointWrite(modelId, step, state, fingerprint, null, deleted);
    }

    /**
     * Scores a decision of {@code modelId} now: with the model's own learner, or for a model never
     * trained a fresh learner of the default config (step 0), not stored: a score changes no state,
     * so a replay, which skips the votes, ends at the same models. The fingerprint is the one stored
     * with the learner at its last step: a score does not encode and hash the state again.
     */
    VoteScore score(String modelId, Map<String, Vote> votes) {
        Learner learner = storage.learner(modelId);
        if (learner != null) return learner.score(votes, storage.fingerprint(modelId));
        return fresh().score(votes, freshFingerprint);
    }

    private Learner fresh() {
        if (fresh == null) {
            fresh = Learner.create(defaultConfig);
            freshFingerprint = fresh.fingerprint();
        }
        return fresh;
    }

    /**
     * Scores a decision of {@code modelId} for its side with every learner that will train its
     * trade, as they stand now: the model (a fresh learner of the default config if never trained),
     * then its candidates. Reads only, like {@link #score}.
     */
    List<OpenDecision.Scored> scoreAll(String modelId, Map<String, Vote> votes, boolean isShort) {
        List<OpenDecision.Scored> scores = new ArrayList<>();
        Learner live = storage.learner(modelId);
        scores.add(OpenDecision.Scored.of(modelId, (live == null ? fresh() : live).score(votes, isShort)));
        for (String candidate : storage.candidatesAndOffset(modelId).candidates()) {
            Learner learner = storage.learner(candidate);
            if (learner != null) scores.add(OpenDecision.Scored.of(candidate, learner.score(votes, isShort)));
        }
        if (live == null) {
            // the configured candidates start at the model's first trade exactly as these fresh learners
            for (LearnerSpec spec : candidateSpecs) {
                String id = LearningTopology.candidateId(modelId, spec.name());
                if (storage.learner(id) != null) continue;
                Learner fresh = freshCandidates.computeIfAbsent(spec.name(), n -> Learner.create(spec.applyTo(defaultConfig)));
                scores.add(OpenDecision.Scored.of(id, fresh.score(votes, isShort)));
            }
        }
        return scores;
    }

    private Learner learnerOrFresh(String modelId) {
        Learner learner = storage.learner(modelId);
        if (learner == null) {
            log.info("model '{}' starts fresh: {}", modelId, defaultConfig);
            return Learner.create(defaultConfig);
        }
        return learner;
    }

    /**
     * Applies the command read at {@code offset}, or rejects it without changing anything. A
     * checkpoint belongs to the lineage of learners that wrote it: a rollback keeps its lineage's
     * past (the checkpoints up to the step it went back to) and deletes the rest; every other
     * command puts another lineage under the model id, so all its checkpoints go, and no later
     * rollback can restore a learner from before a reset, restore or promote.
     */
    Applied apply(Command command, long offset) throws Rejected {
        String modelId = command.getModelId();
        if (modelId == null || modelId.isBlank()) throw new Rejected("bad-command", "model_id is blank");
        Learner learner = switch (command.getType()) {
            case RESET -> Learner.create(existing(modelId).config());
            case ROLLBACK -> {
                existing(modelId);
                long toStep = required(command.getToStep(), "to_step");
                byte[] state = storage.checkpointAtOrBefore(modelId, toStep);
                if (state == null) {
                    throw new Rejected("no-checkpoint", "model '" + modelId + "' has no checkpoint at or before step " + toStep);
                }
                yield decode(state);
            }
            case RESTORE -> decode(bytes(required(command.getState(), "state")));
            case PROMOTE -> {
                String from = required(command.getFromModel(), "from_model").toString();
                // a copy: the candidate keeps learning on its own
                yield decode(LearnerCodec.encode(existing(from)));
            }
            case INSTALL_CANDIDATE -> installCandidate(command, modelId);
            default -> throw new Rejected("bad-command", "unknown command type " + command.getType());
        };
        byte[] state = LearnerCodec.encode(learner);
        String fingerprint = LearnerCodec.fingerprint(state);
        storage.putLearner(modelId, learner, state, fingerprint);
        long keptUpTo = command.getType() == CommandType.ROLLBACK ? learner.step() : -1;
        List<Long> deleted = storage.deleteCheckpoints(modelId, keptUpTo + 1, Long.MAX_VALUE);
        // an installed candidate (e.g. pre-trained on a file) may be far from a checkpoint.every step:
        // its line starts with a checkpoint, so it can be rolled back to and lands in PostgreSQL
        CheckpointWrite installed = command.getType() == CommandType.INSTALL_CANDIDATE
                ? checkpoint(modelId, learner.step(), state, fingerprint) : null;
        return new Applied(modelId, learner, state, fingerprint, deleted, installed);
    }

    private Learner installCandidate(Command command, String candidateId) throws Rejected {
        String live = required(command.getFromModel(), "from_model").toString();
        long caughtUp = required(command.getCaughtUpOffset(), "caught_up_offset");
        if (live.equals(candidateId)) throw new Rejected("bad-command", "a model cannot be its own candidate");
        Learner learner = decode(bytes(required(command.getState(), "state")));
        CandidatesAndOffset followers = storage.candidatesAndOffset(live);
        if (followers.lastOffset() >= caughtUp) {
            // the candidate would have missed the records in between: the issuer catches up further and retries
            throw new Rejected("stale-candidate", "model '" + live + "' trained on offset " + followers.lastOffset()
                    + " but the candidate caught up only below offset " + caughtUp);
        }
        storage.putCandidatesAndOffset(live, followers.withCandidate(candidateId));
        return learner;
    }

    private Learner existing(String modelId) throws Rejected {
        Learner learner = storage.learner(modelId);
        if (learner == null) throw new Rejected("unknown-model", "model '" + modelId + "' does not exist");
        return learner;
    }

    private Learner decode(byte[] state) throws Rejected {
        try {
            return LearnerCodec.decode(state, defaultConfig.engine());
        } catch (RuntimeException e) {
            // untrusted bytes: whatever the codec trips over, the command is rejected, not the stream
            throw new Rejected("corrupt-state", String.valueOf(e.getMessage()));
        }
    }

    private static <T> T required(T value, String field) throws Rejected {
        if (value == null) throw new Rejected("bad-command", field + " is required for this command");
        return value;
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }
}
