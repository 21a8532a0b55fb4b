-- The checkpoints topic, landed by the JDBI writer: the second rollback route (`rollback
-- --from-database`). One row per (model, step, fingerprint): re-delivery upserts the same row.
-- prediction_accuracy, training_loss and rolling_r2 are the learner's rolling figures at that step,
-- read by the writer from the checkpoint's own state (the same figures metalearner_weights records
-- as prediction_accuracy and training_loss). A tombstone of the checkpoint's key (retention, or a
-- reset, restore, promote or rollback that ended its line of learners) does not delete the row: it
-- sets deleted_at to the tombstone's timestamp, so the table keeps what the service no longer can.
CREATE TABLE metalearner_checkpoints (
    model_id            text             NOT NULL,
    training_step       bigint           NOT NULL,
    fingerprint         text             NOT NULL,
    source_offset       bigint           NOT NULL,
    prediction_accuracy double precision NOT NULL,
    training_loss       double precision NOT NULL,
    rolling_r2          double precision,
    state               bytea            NOT NULL,
    "timestamp"         timestamptz      NOT NULL,
    deleted_at          timestamptz,
    PRIMARY KEY (model_id, training_step, fingerprint)
);

-- "The newest checkpoint whose accuracy is above X" and "the checkpoint at or before step N":
CREATE INDEX metalearner_checkpoints_newest ON metalearner_checkpoints (model_id, source_offset DESC, training_step DESC);
