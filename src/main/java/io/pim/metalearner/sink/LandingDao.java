package io.pim.metalearner.sink;

import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import org.jdbi.v3.sqlobject.customizer.BindBean;
import org.jdbi.v3.sqlobject.statement.SqlBatch;

import java.util.Collection;

/**
 * One upsert per table, written once. Rows are bound straight from the Avro records (their
 * getters are the column names in camel case). JSON columns are bound as text and cast to
 * JSONB in the statement. Each batch must hold a key at most once (the writer dedupes): a
 * multi-row upsert may not touch the same row twice.
 */
public interface LandingDao {

    @SqlBatch("""
            INSERT INTO metalearner_training_log AS t
                (model_id, training_step, decision_id, agent_votes, predicted_profit, actual_profit, loss, "timestamp")
            VALUES (:modelId, :trainingStep, :decisionId, cast(:agentVotes AS jsonb), :predictedProfit, :actualProfit,
                    :loss, :timestamp)
            ON CONFLICT (model_id, training_step) DO UPDATE SET
                decision_id = excluded.decision_id, agent_votes = excluded.agent_votes,
                predicted_profit = excluded.predicted_profit, actual_profit = excluded.actual_profit,
                loss = excluded.loss, "timestamp" = excluded."timestamp"
            """)
    void upsertTrainingLogs(@BindBean Collection<TrainingLog> rows);

    /** An older step never overwrites a newer one: the figures only move forward. */
    @SqlBatch("""
            INSERT INTO agent_performance AS p
                (model_id, agent_id, training_step, total_decisions, accuracy, avg_profit_contribution, current_weight,
                 updated_at)
            VALUES (:modelId, :agentId, :trainingStep, :totalDecisions, :accuracy, :avgProfitContribution,
                    :currentWeight, :updatedAt)
            ON CONFLICT (model_id, agent_id) DO UPDATE SET
                training_step = excluded.training_step, total_decisions = excluded.total_decisions,
                accuracy = excluded.accuracy, avg_profit_contribution = excluded.avg_profit_contribution,
                current_weight = excluded.current_weight, updated_at = excluded.updated_at
            WHERE excluded.training_step >= p.training_step
            """)
    void upsertAgentPerformance(@BindBean Collection<AgentPerformance> rows);

    @SqlBatch("""
            INSERT INTO metalearner_weights AS w
                (model_id, training_step, "timestamp", agent_weights, training_loss, prediction_accuracy)
            VALUES (:modelId, :trainingStep, :timestamp, cast(:agentWeights AS jsonb), :trainingLoss,
                    :predictionAccuracy)
            ON CONFLICT (model_id, training_step) DO UPDATE SET
                "timestamp" = excluded."timestamp", agent_weights = excluded.agent_weights,
                training_loss = excluded.training_loss, prediction_accuracy = excluded.prediction_accuracy
            """)
    void upsertWeightSnapshots(@BindBean Collection<WeightSnapshot> rows);
}
