package io.pim.metalearner.sink;

import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MigrationsTest {
    private static EmbeddedDatabase postgres;

    @BeforeAll
    static void startDatabase() throws Exception {
        postgres = EmbeddedDatabase.start();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        if (postgres != null) postgres.close();
    }

    @Test
    void migratingCreatesTheThreeTablesWithJsonbColumnsAndIsIdempotent() {
        // when: the service starts twice
        Migrations.migrate(postgres.dataSource());
        Migrations.migrate(postgres.dataSource());

        // then
        List<String> jsonb = Jdbi.create(postgres.dataSource()).withHandle(h -> h.createQuery("""
                SELECT table_name || '.' || column_name FROM information_schema.columns
                WHERE data_type = 'jsonb' AND table_schema = 'public' ORDER BY 1""").mapTo(String.class).list());
        assertThat(jsonb).containsExactly("metalearner_training_log.agent_votes", "metalearner_weights.agent_weights");
        List<String> sourceOffset = Jdbi.create(postgres.dataSource()).withHandle(h -> h.createQuery("""
                SELECT table_name || ' ' || data_type || ' ' || is_nullable || ' ' || column_default
                FROM information_schema.columns
                WHERE column_name = 'source_offset' AND table_schema = 'public' ORDER BY 1""").mapTo(String.class).list());
        assertThat(sourceOffset).containsExactly("agent_performance bigint NO '-1'::integer",
                "metalearner_training_log bigint NO '-1'::integer", "metalearner_weights bigint NO '-1'::integer");
    }

    @Test
    void aDatabaseMigratedByANewerVersionIsRefusedWithAClearMessage() {
        // given: a newer metalearner has migrated this database further
        Jdbi.create(postgres.dataSource()).useHandle(h -> h.execute("CREATE DATABASE newer"));
        org.postgresql.ds.PGSimpleDataSource newer = new org.postgresql.ds.PGSimpleDataSource();
        newer.setURL("jdbc:postgresql://localhost:" + postgres.port() + "/newer");
        newer.setUser(EmbeddedDatabase.USER);
        Flyway.configure().dataSource(newer).locations(Migrations.LOCATION, "classpath:db/future").load().migrate();

        // when / then
        assertThatThrownBy(() -> Migrations.migrate(newer))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ahead of this code")
                .hasMessageContaining("99 (from a newer metalearner)")
                .hasMessageContaining("knows migrations up to 2");
    }
}
