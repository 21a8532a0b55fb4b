package io.pim.metalearner.sink;

import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import org.jdbi.v3.sqlobject.customizer.BindBean;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

import java.util.Collection;

/**
 * One upsert per table, written once. Rows are bound straight from the Avro records (their
 * getters are the column names in camel case). JSON columns are bound as text and cast to
 * JSONB in the statement. Each batch must hold a key at most once (the writer dedupes): a
 * multi-row upsert may not touch the same row twice.
 * <p>
 * A row is only overwritten by one produced by the same or a later training-topic record
 * ({@code source_offset}): a redelivered older record changes nothing, and after a reset or a
 * rollback (which send {@code training_step} back) the new history wins.
 */
public interface LandingDao {

    @SqlBatch("""
            INSERT INTO metalearner_training_log AS t
                (model_id, training_step, decision_id, agent_votes, predicted_profit, actual_profit, loss, "timestamp",
                 source_offset)
            VALUES (:modelId, :trainingStep, :decisionId, cast(:agentVotes AS jsonb), :predictedProfit, :actualProfit,
                    :loss, :timestamp, :sourceOffset)
            ON CONFLICT (model_id, training_step) DO UPDATE SET
                decision_id = excluded.decision_id, agent_votes = excluded.agent_votes,
                predicted_profit = excluded.predicted_profit, actual_profit = excluded.actual_profit,
                loss = excluded.loss, "timestamp" = excluded."timestamp", source_offset = excluded.source_offset
            WHERE excluded.source_offset >= t.source_offset
            """)
    void upsertTrainingLogs(@BindBean Collection<TrainingLog> rows);

    /**
     * The figures only move forward. Rows compare as (source_offset, training_step): the step
     * decides only between rows of the same offset, i.e. rows from before source_offset existed (-1).
     */
    @SqlBatch("""
            INSERT INTO agent_performance AS p
                (model_id, agent_id, training_step, total_decisions, accuracy, avg_profit_contribution, current_weight,
                 updated_at, source_offset)
            VALUES (:modelId, :agentId, :trainingStep, :totalDecisions, :accuracy, :avgProfitContribution,
                    :currentWeight, :updatedAt, :sourceOffset)
            ON CONFLICT (model_id, agent_id) DO UPDATE SET
                training_step = excluded.training_step, total_decisions = excluded.total_decisions,
                accuracy = excluded.accuracy, avg_profit_contribution = excluded.avg_profit_contribution,
                current_weight = excluded.current_weight, updated_at = excluded.updated_at,
                source_offset = excluded.source_offset
            WHERE (excluded.source_offset, excluded.training_step) >= (p.source_offset, p.training_step)
            """)
    void upsertAgentPerformance(@BindBean Collection<AgentPerformance> rows);

    @SqlBatch("""
            INSERT INTO metalearner_weights AS w
                (model_id, training_step, "timestamp", agent_weights, training_loss, prediction_accuracy, source_offset)
            VALUES (:modelId, :trainingStep, :timestamp, cast(:agentWeights AS jsonb), :trainingLoss,
                    :predictionAccuracy, :sourceOffset)
            ON CONFLICT (model_id, training_step) DO UPDATE SET
                "timestamp" = excluded."timestamp", agent_weights = excluded.agent_weights,
                training_loss = excluded.training_loss, prediction_accuracy = excluded.prediction_accuracy,
                source_offset = excluded.source_offset
            WHERE excluded.source_offset >= w.source_offset
            """)
    void upsertWeightSnapshots(@BindBean Collection<WeightSnapshot> rows);

    /** A checkpoint lands as its row, a tombstone marks the rows of its key; in topic order (see {@link CheckpointEvent}). */
    default void land(CheckpointEvent event) {
        if (event instanceof CheckpointEvent.Row row) upsertCheckpoint(row);
        else markCheckpointsDeleted((CheckpointEvent.Deleted) event);
    }

    /** One row per (model, step, fingerprint); the same checkpoint written again after a tombstone is live again. */
    @SqlUpdate("""
            INSERT INTO metalearner_checkpoints AS c
                (model_id, training_step, fingerprint, source_offset, prediction_accuracy, training_loss, rolling_r2,
                 state, "timestamp", deleted_at)
            VALUES (:modelId, :trainingStep, :fingerprint, :sourceOffset, :predictionAccuracy, :trainingLoss, :rollingR2,
                    :state, :timestamp, NULL)
            ON CONFLICT (model_id, training_step, fingerprint) DO UPDATE SET
                source_offset = excluded.source_offset, prediction_accuracy = excluded.prediction_accuracy,
                training_loss = excluded.training_loss, rolling_r2 = excluded.rolling_r2, state = excluded.state,
                "timestamp" = excluded."timestamp", deleted_at = NULL
            """)
    void upsertCheckpoint(@BindMethods CheckpointEvent.Row row);

    /** The tombstone's own timestamp, so a redelivered tombstone writes the same row again. */
    @SqlUpdate("""
            UPDATE metalearner_checkpoints SET deleted_at = :deletedAt
            WHERE model_id = :modelId AND training_step = :trainingStep AND deleted_at IS NULL
            """)
    void markCheckpointsDeleted(@BindMethods CheckpointEvent.Deleted deleted);

    /** What was asked: the command's own columns, as the commands topic last said (re-delivery writes the same). */
    @SqlBatch("""
            INSERT INTO metalearner_commands AS m
                (command_id, model_id, type, from_model, to_step, caught_up_offset, state_bytes, issued_by, issued_at)
            VALUES (:commandId, :modelId, :type, :fromModel, :toStep, :caughtUpOffset, :stateBytes, :issuedBy, :issuedAt)
            ON CONFLICT (command_id) DO UPDATE SET
                model_id = excluded.model_id, type = excluded.type, from_model = excluded.from_model,
                to_step = excluded.to_step, caught_up_offset = excluded.caught_up_offset,
                state_bytes = excluded.state_bytes, issued_by = excluded.issued_by, issued_at = excluded.issued_at
            """)
    void upsertCommands(@BindMethods Collection<CommandAudit.Issued> rows);

    /**
     * What became of it: the result's columns, only moving forward by the training-topic offset it
     * was applied at. The model and type stay the command's if it landed first.
     */
    @SqlBatch("""
            INSERT INTO metalearner_commands AS m
                (command_id, model_id, type, outcome, reason, detail, training_step, fingerprint, source_offset, decided_at)
            VALUES (:commandId, :modelId, :type, :outcome, :reason, :detail, :trainingStep, :fingerprint, :sourceOffset,
                    :decidedAt)
            ON CONFLICT (command_id) DO UPDATE SET
                outcome = excluded.outcome, reason = excluded.reason, detail = excluded.detail,
                training_step = excluded.training_step, fingerprint = excluded.fingerprint,
                source_offset = excluded.source_offset, decided_at = excluded.decided_at
            WHERE coalesce(excluded.source_offset, -1) >= coalesce(m.source_offset, -1)
            """)
    void upsertCommandResults(@BindMethods Collection<CommandAudit.Decided> rows);
}
