package io.pim.metalearner.sink;

import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import io.pim.metalearner.testing.PostgresExtension;
import io.pim.metalearner.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.sql.DataSource;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(PostgresExtension.class)
class MigrationsIT {

    @Test
    void migratingCreatesTheThreeTablesWithJsonbColumnsAndIsIdempotent(TestPostgres postgres) {
        // given: an empty database
        DataSource database = postgres.createDatabase("migrations").dataSource();

        // when: the service starts twice
        Migrations.migrate(database);
        Migrations.migrate(database);

        // then
        List<String> jsonb = Jdbi.create(database).withHandle(h -> h.createQuery("""
                SELECT table_name || '.' || column_name FROM information_schema.columns
                WHERE data_type = 'jsonb' AND table_schema = 'public' ORDER BY 1""").mapTo(String.class).list());
        assertThat(jsonb).containsExactly("metalearner_training_log.agent_votes", "metalearner_weights.agent_weights");
        List<String> sourceOffset = Jdbi.create(database).withHandle(h -> h.createQuery("""
                SELECT table_name || ' ' || data_type || ' ' || is_nullable || ' ' || column_default
                FROM information_schema.columns
                WHERE column_name = 'source_offset' AND table_schema = 'public'
                  AND table_name NOT IN ('metalearner_checkpoints', 'metalearner_commands')
                ORDER BY 1""").mapTo(String.class).list());
        assertThat(sourceOffset).containsExactly("agent_performance bigint NO '-1'::integer",
                "metalearner_training_log bigint NO '-1'::integer", "metalearner_weights bigint NO '-1'::integer");
        // and the checkpoints table (V3): the state as bytea, one row per model, step and fingerprint
        List<String> checkpointKey = Jdbi.create(database).withHandle(h -> h.createQuery("""
                SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = 'metalearner_checkpoints'::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)""")
                .mapTo(String.class).list());
        assertThat(checkpointKey).containsExactly("model_id", "training_step", "fingerprint");
        String stateType = Jdbi.create(database).withHandle(h -> h.createQuery("""
                SELECT data_type FROM information_schema.columns WHERE table_name = 'metalearner_checkpoints' AND column_name = 'state'""")
                .mapTo(String.class).one());
        assertThat(stateType).isEqualTo("bytea");
        // and the commands audit (V4): one row per command id, a state's size but never its bytes
        List<String> commandColumns = Jdbi.create(database).withHandle(h -> h.createQuery("""
                SELECT column_name || ' ' || data_type FROM information_schema.columns
                WHERE table_name = 'metalearner_commands' ORDER BY ordinal_position""").mapTo(String.class).list());
        assertThat(commandColumns).contains("command_id text", "state_bytes integer", "outcome text")
                .noneMatch(c -> c.endsWith(" bytea"));
    }

    @Test
    void aDatabaseMigratedByANewerVersionIsRefusedWithAClearMessage(TestPostgres postgres) {
        // given: a newer metalearner has migrated this database further
        DataSource newer = postgres.createDatabase("newer").dataSource();
        Flyway.configure().dataSource(newer).locations(Migrations.LOCATION, "classpath:db/future").load().migrate();

        // when / then
        assertThatThrownBy(() -> Migrations.migrate(newer))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ahead of this code")
                .hasMessageContaining("99 (from a newer metalearner)")
                .hasMessageContaining("knows migrations up to 4");
    }
}
