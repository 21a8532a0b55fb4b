package io.pim.metalearner.cli;

import io.pim.metalearner.api.AdminRoutes;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.config.ConfigFile;
import io.pim.metalearner.config.ConfigParts;
import io.pim.metalearner.sink.CheckpointQueries;
import io.pim.metalearner.sink.DatabaseCheckpoints;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.stream.CommandClient;
import io.pim.metalearner.config.ServiceConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Properties;

/**
 * {@code rollback --from-database}: the checkpoint is read from PostgreSQL
 * ({@link DatabaseCheckpoints}) and sent as a RESTORE, which the service applies in order with the
 * model's trades like any restore (so it also deletes the model's checkpoints in the service: the
 * restored learner starts a new line, and the database keeps the old rows, marked deleted).
 */
public final class DatabaseRollback {
    private DatabaseRollback() {
    }

    /** Where the checkpoints are: the writer's config file and/or the JDBC flags (which override it). */
    static final class Options {
        @Option(names = "--from-database", description = "Restore a checkpoint from PostgreSQL (metalearner_checkpoints, "
                + "landed by the writer) instead of the service's own checkpoints.")
        boolean fromDatabase;

        @Option(names = "--database-config", paramLabel = "FILE",
                description = "With --from-database: the writer's config file; only jdbc.url, jdbc.user and jdbc.password "
                        + "are read (METALEARNER_JDBC_PASSWORD overrides).")
        Path file;

        @Option(names = "--jdbc-url", paramLabel = "URL", description = "With --from-database: the database (overrides the file's).")
        String jdbcUrl;

        @Option(names = "--jdbc-user", paramLabel = "USER", description = "With --from-database: its user (overrides the file's); "
                + "the password comes from the file or METALEARNER_JDBC_PASSWORD, never from the command line.")
        String jdbcUser;

        @Option(names = "--include-deleted", description = "With --from-database: also checkpoints the service has deleted "
                + "(past checkpoint.keep, or before a reset, restore, promote or rollback).")
        boolean includeDeleted;

        WriterConfig.Database database() {
            Properties p = file == null ? new Properties() : ConfigFile.read(file);
            if (jdbcUrl != null) p.setProperty(ConfigParts.JDBC_URL, jdbcUrl);
            if (jdbcUser != null) p.setProperty(ConfigParts.JDBC_USER, jdbcUser);
            return WriterConfig.databaseFrom(p, System.getenv());
        }
    }

    /** The admin endpoint's lookup on {@code http.rollback-database.*}; null when that is not configured. */
    public static AdminRoutes.Checkpoints forAdmin(ServiceConfig.RollbackDatabase configured) {
        if (configured == null) return null;
        DatabaseCheckpoints database = new DatabaseCheckpoints(
                new WriterConfig.Database(configured.jdbcUrl(), configured.user(), configured.password()));
        return (modelId, step, minAccuracy, includeDeleted) -> {
            try {
                return database.find(modelId, new DatabaseCheckpoints.Choice(step, minAccuracy, includeDeleted)).state();
            } catch (DatabaseCheckpoints.NotFound e) {
                throw new NoSuchElementException(e.getMessage());
            }
        };
    }

    /** The RESTORE of the chosen checkpoint, or null after saying on stderr why there is none. */
    static Command restore(CommandSpec spec, Options options, String modelId, Long step, Double minAccuracy) {
        PrintWriter err = spec.commandLine().getErr();
        WriterConfig.Database database;
        try {
            database = options.database();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--from-database: " + e.getMessage());
        }
        CheckpointQueries.Found found;
        try {
            found = new DatabaseCheckpoints(database).find(modelId,
                    new DatabaseCheckpoints.Choice(step, minAccuracy, options.includeDeleted));
        } catch (DatabaseCheckpoints.NotFound | IllegalStateException e) {
            err.println("rollback: " + e.getMessage());
            err.flush();
            return null;
        }
        err.printf(Locale.ROOT, "rollback: restoring model '%s' from its checkpoint at step %d (fingerprint %s, recorded "
                        + "accuracy %.4f, training offset %d, written %s%s) in %s%n", modelId, found.trainingStep(),
                found.fingerprint(), found.predictionAccuracy(), found.sourceOffset(), found.timestamp(),
                found.deletedAt() == null ? "" : ", deleted by the service " + found.deletedAt(), database.jdbcUrl());
        err.flush();
        return CommandClient.restore(modelId, found.state());
    }
}
