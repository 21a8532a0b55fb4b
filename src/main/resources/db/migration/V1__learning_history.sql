-- The seed's migration 003, keyed for idempotency: every write is an upsert on the primary key,
-- so at-least-once delivery lands exactly once. Column names are the Avro field names, because
-- the Debezium JDBC sink maps fields to columns by name.

-- A snapshot of the agent weights every N steps (default 10).
CREATE TABLE metalearner_weights (
    model_id            text             NOT NULL,
    training_step       bigint           NOT NULL,
    "timestamp"         timestamptz      NOT NULL,
    agent_weights       jsonb            NOT NULL,
    training_loss       double precision NOT NULL,
    prediction_accuracy double precision NOT NULL,
    PRIMARY KEY (model_id, training_step)
);

-- One row per agent, upserted after every step. training_step lets a writer refuse to let an
-- older step overwrite a newer row.
CREATE TABLE agent_performance (
    model_id                text             NOT NULL,
    agent_id                text             NOT NULL,
    training_step           bigint           NOT NULL,
    total_decisions         bigint           NOT NULL,
    accuracy                double precision NOT NULL,
    avg_profit_contribution double precision NOT NULL,
    current_weight          double precision NOT NULL,
    updated_at              timestamptz      NOT NULL,
    PRIMARY KEY (model_id, agent_id)
);

-- One row per trained trade.
CREATE TABLE metalearner_training_log (
    model_id         text             NOT NULL,
    training_step    bigint           NOT NULL,
    decision_id      text             NOT NULL,
    agent_votes      jsonb            NOT NULL,
    predicted_profit double precision NOT NULL,
    actual_profit    double precision NOT NULL,
    loss             double precision NOT NULL,
    "timestamp"      timestamptz      NOT NULL,
    PRIMARY KEY (model_id, training_step)
);

-- "Latest weights" (ORDER BY training_step DESC LIMIT 1) and "recent training steps"
-- (ORDER BY training_step DESC LIMIT n) are served by the primary keys, scanned backwards.
-- "Agent rankings" orders a model's agents by current weight:
CREATE INDEX agent_performance_ranking ON agent_performance (model_id, current_weight DESC);
-- The seed looks a trade up by its decision:
CREATE INDEX metalearner_training_log_decision ON metalearner_training_log (decision_id);
