-- source_offset: the training-topic offset of the record that produced the row (the Avro field
-- of the same name). A model is one partition of the training topic, so it only grows per model,
-- also when a reset or rollback sends training_step back. The writers' upserts let a row be
-- overwritten only by one at least as new by it, and the seed's queries take the newest history
-- by it. Rows written before this column existed have -1.
ALTER TABLE metalearner_weights ADD COLUMN source_offset bigint NOT NULL DEFAULT -1;
ALTER TABLE agent_performance ADD COLUMN source_offset bigint NOT NULL DEFAULT -1;
ALTER TABLE metalearner_training_log ADD COLUMN source_offset bigint NOT NULL DEFAULT -1;

-- "Latest weights" and "recent training steps" now order by (source_offset, training_step):
CREATE INDEX metalearner_weights_newest ON metalearner_weights (model_id, source_offset DESC, training_step DESC);
CREATE INDEX metalearner_training_log_newest ON metalearner_training_log (model_id, source_offset DESC, training_step DESC);
