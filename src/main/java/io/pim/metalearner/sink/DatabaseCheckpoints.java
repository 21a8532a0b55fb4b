package io.pim.metalearner.sink;

import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.postgresql.ds.PGSimpleDataSource;

import java.util.Locale;
import java.util.Optional;

/**
 * Finds the checkpoint to restore in {@code metalearner_checkpoints} (what the JDBI writer landed
 * from the checkpoints topic): by step, or the newest whose recorded accuracy is above a value.
 * Says why when there is none, and tells a database it cannot reach from one without the table.
 */
public final class DatabaseCheckpoints {
    /** What to look for: {@code step} or {@code minAccuracy} (one of them), and whether deleted checkpoints count. */
    public record Choice(Long step, Double minAccuracy, boolean includeDeleted) {
        public Choice {
            if ((step == null) == (minAccuracy == null)) throw new IllegalArgumentException("give a step or a minimum accuracy");
        }

        String describe() {
            String which = step != null ? "at or before step " + step
                    : String.format(Locale.ROOT, "with a recorded accuracy above %s", minAccuracy);
            return which + (includeDeleted ? " (deleted ones included)" : "");
        }
    }

    /** The lookup found nothing; the message says what the model has instead. */
    public static final class NotFound extends Exception {
        NotFound(String message) {
            super(message);
        }
    }

    private final Jdbi jdbi;
    private final String where;

    public DatabaseCheckpoints(WriterConfig.Database database) {
        PGSimpleDataSource dataSource = database.dataSource();
        dataSource.setSocketTimeout(30);
        this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin()).installPlugin(new PostgresPlugin());
        this.where = database.jdbcUrl();
    }

    /**
     * @throws NotFound              no checkpoint of the model matches (the message says what there is)
     * @throws IllegalStateException the database cannot be reached or has no checkpoints table (the message says which)
     */
    public CheckpointQueries.Found find(String modelId, Choice choice) throws NotFound {
        try {
            return jdbi.withExtension(CheckpointQueries.class, q -> {
                Optional<CheckpointQueries.Found> found = choice.step() != null
                        ? q.atOrBefore(modelId, choice.step(), choice.includeDeleted())
                        : q.newestAbove(modelId, choice.minAccuracy(), choice.includeDeleted());
                if (found.isPresent()) return found.get();
                throw new NotFound(notFound(modelId, choice, q.summary(modelId, choice.includeDeleted())));
            });
        } catch (NotFound e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(failure(e), e);
        }
    }

    private static String notFound(String modelId, Choice choice, CheckpointQueries.Summary s) {
        String none = "model '" + modelId + "' has no checkpoint in the database " + choice.describe();
        if (s.checkpoints() == 0) {
            return none + ": it has none at all" + (s.deleted() > 0
                    ? " that the service still holds (" + s.deleted() + " deleted by the service; --include-deleted reaches them)"
                    : " (wrong model id, or the writer has not landed any yet: checkpoint.every steps)");
        }
        String has = String.format(Locale.ROOT, "; it has %d, steps %d to %d, best recorded accuracy %.4f",
                s.checkpoints(), s.lowestStep(), s.highestStep(), s.bestAccuracy());
        return none + has + (!choice.includeDeleted() && s.deleted() > 0
                ? " (and " + s.deleted() + " deleted by the service; --include-deleted reaches them)" : "");
    }

    private String failure(Exception e) {
        String state = SqlFailure.sqlState(e);
        if ("42P01".equals(state)) {
            return "the database at " + where + " has no metalearner_checkpoints table: run this version's writer "
                    + "(or metalearner migrate) on it first";
        }
        if (SqlFailure.of(e) == SqlFailure.TRANSIENT) {
            return "cannot reach the database at " + where + ": " + Unavailable.rootMessage(e);
        }
        return "the database at " + where + " refused the query" + (state == null ? "" : " (SQLState " + state + ")")
                + ": " + Unavailable.rootMessage(e);
    }
}
