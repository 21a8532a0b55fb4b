package io.pim.metalearner.sink;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

/**
 * The seed's three questions to its tables: latest weights, agent rankings, recent training steps.
 * "Latest" and "recent" order by {@code source_offset} (the training-topic offset, which only
 * grows) before {@code training_step}: after a reset or a rollback the step starts again lower,
 * and the new history must come first, not the old, higher steps that remain in the table.
 */
public interface HistoryQueries {

    record Weights(String modelId, long trainingStep, OffsetDateTime timestamp, String agentWeights,
                   double trainingLoss, double predictionAccuracy) {
    }

    record AgentRanking(String agentId, double currentWeight, double accuracy, long totalDecisions,
                        double avgProfitContribution, long trainingStep) {
    }

    record TrainingStep(long trainingStep, String decisionId, double predictedProfit, double actualProfit,
                        double loss, OffsetDateTime timestamp) {
    }

    @SqlQuery("""
            SELECT model_id, training_step, "timestamp", agent_weights::text AS agent_weights, training_loss,
                   prediction_accuracy
            FROM metalearner_weights WHERE model_id = :modelId
            ORDER BY source_offset DESC, training_step DESC LIMIT 1
            """)
    @RegisterConstructorMapper(Weights.class)
    Optional<Weights> latestWeights(@Bind("modelId") String modelId);

    @SqlQuery("""
            SELECT agent_id, current_weight, accuracy, total_decisions, avg_profit_contribution, training_step
            FROM agent_performance WHERE model_id = :modelId
            ORDER BY current_weight DESC, agent_id
            """)
    @RegisterConstructorMapper(AgentRanking.class)
    List<AgentRanking> agentRankings(@Bind("modelId") String modelId);

    @SqlQuery("""
            SELECT training_step, decision_id, predicted_profit, actual_profit, loss, "timestamp"
            FROM metalearner_training_log WHERE model_id = :modelId
            ORDER BY source_offset DESC, training_step DESC LIMIT :limit
            """)
    @RegisterConstructorMapper(TrainingStep.class)
    List<TrainingStep> recentTrainingSteps(@Bind("modelId") String modelId, @Bind("limit") int limit);
}
