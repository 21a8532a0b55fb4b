-- The ops commands' audit trail, landed by the JDBI writer: one row per command id, joined from
-- two topics. The `commands` topic gives what was asked (manual commands from the CLI or the admin
-- API, and the automatic promotions the service issues under promotion.policy=auto, issued_by
-- 'auto-promotion'); `command-results` gives what became of it. Either may land first: a row with
-- issued_at NULL has only its result so far, one with outcome NULL only its command. Re-delivery
-- upserts the same row. A RESTORE or INSTALL_CANDIDATE carries a whole learner state: the table
-- keeps its size, never the bytes (the commands topic keeps them forever).
CREATE TABLE metalearner_commands (
    command_id       text        PRIMARY KEY,
    model_id         text        NOT NULL,
    -- reset, rollback, restore, promote, install-candidate (the results' and the CLI's words)
    type             text        NOT NULL,
    from_model       text,
    to_step          bigint,
    caught_up_offset bigint,
    state_bytes      integer,
    issued_by        text,
    issued_at        timestamptz,
    -- from command-results: applied or rejected, the reason code and detail if rejected, the
    -- model's step and fingerprint after it if applied, the training-topic offset it was applied at
    outcome          text        CHECK (outcome IN ('applied', 'rejected')),
    reason           text,
    detail           text,
    training_step    bigint,
    fingerprint      text,
    source_offset    bigint,
    decided_at       timestamptz
);

-- "What was done to this model, newest first":
CREATE INDEX metalearner_commands_model ON metalearner_commands (model_id, issued_at DESC);
