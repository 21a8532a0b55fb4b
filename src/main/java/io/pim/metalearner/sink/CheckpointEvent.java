package io.pim.metalearner.sink;

import io.pim.metalearner.avro.Checkpoint;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.kafka.CheckpointKeys;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * What a record of the checkpoints topic does to {@code metalearner_checkpoints}: a checkpoint
 * lands as a row ({@link Row}), a tombstone marks the rows of its key deleted ({@link Deleted}).
 * They land in the order of the topic, so a key deleted and checkpointed again in one poll ends
 * as the topic does.
 */
public sealed interface CheckpointEvent {

    /**
     * A checkpoint with the learner's rolling figures at its step. The Checkpoint record carries
     * none, so they are read from the state itself, which is decoded for that: a state that does
     * not decode, or whose fingerprint is not the record's, is no checkpoint anyone could restore
     * and is dead-lettered ({@code corrupt-state}) instead.
     */
    record Row(String modelId, long trainingStep, String fingerprint, long sourceOffset, double predictionAccuracy,
               double trainingLoss, Double rollingR2, byte[] state, Instant timestamp) implements CheckpointEvent {

        static Row of(Checkpoint c) throws AvroRecordReader.Unusable {
            byte[] state = new byte[c.getState().remaining()];
            c.getState().duplicate().get(state);
            String fingerprint = LearnerCodec.fingerprint(state);
            if (!fingerprint.equals(c.getFingerprint())) {
                throw new AvroRecordReader.Unusable("corrupt-state", "the state's fingerprint is " + fingerprint
                        + ", the checkpoint says " + c.getFingerprint());
            }
            Learner learner;
            try {
                learner = LearnerCodec.decode(state);
            } catch (RuntimeException e) {
                throw new AvroRecordReader.Unusable("corrupt-state", "the state does not decode: " + e.getMessage());
            }
            if (learner.step() != c.getTrainingStep()) {
                throw new AvroRecordReader.Unusable("corrupt-state", "the state is at step " + learner.step()
                        + ", the checkpoint says " + c.getTrainingStep());
            }
            Metrics m = learner.metrics();
            return new Row(c.getModelId(), c.getTrainingStep(), c.getFingerprint(), c.getSourceOffset(),
                    m.rollingDirectionAccuracy(), m.rollingLoss(), m.rollingR2(), state, c.getTimestamp());
        }
    }

    /** The tombstone of key {@code model@step}: every row of that model and step not yet deleted is, at {@code deletedAt}. */
    record Deleted(String modelId, long trainingStep, Instant deletedAt) implements CheckpointEvent {

        static Deleted of(byte[] key, long timestamp) throws AvroRecordReader.Unusable {
            String text = key == null ? "" : new String(key, StandardCharsets.UTF_8);
            CheckpointKeys.Parsed parsed = CheckpointKeys.parse(text).orElseThrow(() -> new AvroRecordReader.Unusable(
                    "unreadable", "tombstone key '" + text + "' is not model_id@step (20 digits)"));
            return new Deleted(parsed.modelId(), parsed.step(), Instant.ofEpochMilli(timestamp));
        }
    }
}
