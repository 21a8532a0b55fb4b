package io.pim.metalearner.cli;

import io.pim.metalearner.tools.embedded.EmbeddedDatabase;
import io.pim.metalearner.testing.PostgresExtension;
import io.pim.metalearner.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Connect route's first step: {@code metalearner migrate} creates the tables the sink writes into. */
@ExtendWith(PostgresExtension.class)
class MigrateCommandIT {

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void migrateAppliesTheMigrationsOnceAndPrintsTheSchemaVersion(@TempDir Path dir, TestPostgres postgres) throws Exception {
        // given: an empty database, and a Connect user's file with only the writer's JDBC keys
        TestPostgres.Database database = postgres.createDatabase("migrate_command");
        Path config = dir.resolve("writer.properties");
        Files.writeString(config, "jdbc.url=" + database.jdbcUrl() + "\njdbc.user=" + EmbeddedDatabase.USER
                + "\njdbc.password=" + EmbeddedDatabase.PASSWORD + "\n");

        // when
        Run first = run("migrate", "--config", config.toString());
        Run again = run("migrate", "--config", config.toString());

        // then
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo(database.jdbcUrl() + ": schema version 4 (4 migration(s) applied now)\n");
        assertThat(again.out()).isEqualTo(database.jdbcUrl() + ": schema version 4 (0 migration(s) applied now)\n");
        List<String> tables = database.jdbi().withHandle(h -> h.createQuery(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'flyway%' ORDER BY 1")
                .mapTo(String.class).list());
        assertThat(tables).containsExactly("agent_performance", "metalearner_checkpoints", "metalearner_commands", "metalearner_training_log",
                "metalearner_weights");
    }

    @Test
    void aFileWithoutJdbcUrlIsRefusedNamingTheKey(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("writer.properties");
        Files.writeString(config, "jdbc.user=metalearner\n");

        Run run = run("migrate", "--config", config.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("'jdbc.url'").contains("METALEARNER_JDBC_URL");
    }
}
