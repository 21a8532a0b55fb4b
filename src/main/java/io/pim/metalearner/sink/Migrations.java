package io.pim.metalearner.sink;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Brings the database to this code's schema with the Flyway migrations in {@code db/migration}.
 * The JDBI writer runs it on start, and {@code metalearner migrate} for the Connect route (the
 * Debezium sink creates no tables of the right types), so the tables (and their JSONB columns)
 * exist before anything writes.
 */
public final class Migrations {
    private static final Logger log = LoggerFactory.getLogger(Migrations.class);
    public static final String LOCATION = "classpath:db/migration";

    private Migrations() {
    }

    /**
     * Migrates, or refuses a database whose schema is newer than this code: writing with an
     * older idea of the tables could silently drop what a newer version stores.
     */
    public static Result migrate(DataSource dataSource) {
        Flyway flyway = Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .load();
        refuseFutureSchema(flyway);
        MigrateResult migrated = flyway.migrate();
        Result result = new Result(flyway.info().current() == null ? "none" : flyway.info().current().getVersion().toString(),
                migrated.migrationsExecuted);
        log.info("Database schema at version {} ({} migration(s) applied now)", result.version(), result.applied());
        return result;
    }

    /** The schema version after migrating, and how many migrations this run applied. */
    public record Result(String version, int applied) {
    }

    private static void refuseFutureSchema(Flyway flyway) {
        MigrationInfo[] all = flyway.info().all();
        String future = Arrays.stream(all)
                .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED)
                .map(m -> m.getVersion() + " (" + m.getDescription() + ")")
                .collect(Collectors.joining(", "));
        if (future.isEmpty()) return;
        String known = Arrays.stream(all)
                .filter(m -> m.getState() != MigrationState.FUTURE_SUCCESS && m.getState() != MigrationState.FUTURE_FAILED)
                .map(m -> m.getVersion().toString())
                .reduce((a, b) -> b).orElse("none");
        throw new IllegalStateException("The database schema is ahead of this code: it has migration(s) " + future
                + " but this version of metalearner knows migrations up to " + known
                + ". Run a metalearner at least as new as the one that migrated this database.");
    }
}
