package io.pim.metalearner.cli;

import io.pim.metalearner.sink.Migrations;
import io.pim.metalearner.sink.WriterConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code metalearner migrate --config FILE}: brings the database to this version's schema with
 * the Flyway migrations and prints the version. The JDBI writer migrates on start by itself; the
 * Connect route needs this first, since Debezium's sink would create the tables without JSONB
 * and without the keys the upserts need.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Apply the Flyway migrations to the writer's PostgreSQL database and print its schema version "
                + "(run it before starting the Connect sink).")
public final class MigrateCommand implements Callable<Integer> {

    @Mixin
    SharedOptions.ConfigFileOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        WriterConfig.Database database = WriterConfig.loadDatabase(config.file);
        Migrations.Result result = Migrations.migrate(database.dataSource());
        spec.commandLine().getOut().printf("%s: schema version %s (%d migration(s) applied now)%n",
                database.jdbcUrl(), result.version(), result.applied());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
