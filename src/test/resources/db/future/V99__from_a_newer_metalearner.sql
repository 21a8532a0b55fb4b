-- Stands for a migration that a newer metalearner applied; this code does not know it.
ALTER TABLE metalearner_training_log ADD COLUMN added_later text;
