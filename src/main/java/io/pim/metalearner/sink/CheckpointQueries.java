package io.pim.metalearner.sink;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * The questions {@code rollback --from-database} asks of {@code metalearner_checkpoints}. Every
 * value from the user is a bound parameter; no SQL text comes from outside. Without
 * {@code includeDeleted} only checkpoints the service still holds count (no tombstone yet: the
 * model's current line of learners); with it also those it has deleted.
 */
public interface CheckpointQueries {

    /** A landed checkpoint: its figures and the state to restore. */
    record Found(String modelId, long trainingStep, String fingerprint, long sourceOffset, double predictionAccuracy,
                 double trainingLoss, Double rollingR2, OffsetDateTime timestamp, OffsetDateTime deletedAt, byte[] state) {
    }

    String COLUMNS = """
            model_id, training_step, fingerprint, source_offset, prediction_accuracy, training_loss, rolling_r2,
            "timestamp", deleted_at, state
            """;

    /** The checkpoint with the highest step at or before {@code step}; of several (one per line of learners), the newest. */
    @SqlQuery("SELECT " + COLUMNS + """
            FROM metalearner_checkpoints
            WHERE model_id = :modelId AND training_step <= :step AND (:includeDeleted OR deleted_at IS NULL)
            ORDER BY training_step DESC, source_offset DESC LIMIT 1
            """)
    @RegisterConstructorMapper(Found.class)
    Optional<Found> atOrBefore(@Bind("modelId") String modelId, @Bind("step") long step,
                               @Bind("includeDeleted") boolean includeDeleted);

    /** The newest checkpoint (by training offset, then step) whose recorded accuracy is above {@code minAccuracy}. */
    @SqlQuery("SELECT " + COLUMNS + """
            FROM metalearner_checkpoints
            WHERE model_id = :modelId AND prediction_accuracy > :minAccuracy AND (:includeDeleted OR deleted_at IS NULL)
            ORDER BY source_offset DESC, training_step DESC LIMIT 1
            """)
    @RegisterConstructorMapper(Found.class)
    Optional<Found> newestAbove(@Bind("modelId") String modelId, @Bind("minAccuracy") double minAccuracy,
                                @Bind("includeDeleted") boolean includeDeleted);

    /** What the model has, for an answer that says why nothing matched. */
    record Summary(long checkpoints, long deleted, Long lowestStep, Long highestStep, Double bestAccuracy) {
    }

    @SqlQuery("""
            SELECT count(*) FILTER (WHERE :includeDeleted OR deleted_at IS NULL) AS checkpoints,
                   count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted,
                   min(training_step) FILTER (WHERE :includeDeleted OR deleted_at IS NULL) AS lowest_step,
                   max(training_step) FILTER (WHERE :includeDeleted OR deleted_at IS NULL) AS highest_step,
                   max(prediction_accuracy) FILTER (WHERE :includeDeleted OR deleted_at IS NULL) AS best_accuracy
            FROM metalearner_checkpoints WHERE model_id = :modelId
            """)
    @RegisterConstructorMapper(Summary.class)
    Summary summary(@Bind("modelId") String modelId, @Bind("includeDeleted") boolean includeDeleted);
}
