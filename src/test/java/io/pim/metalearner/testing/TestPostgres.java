package io.pim.metalearner.testing;

import io.pim.metalearner.tools.embedded.EmbeddedDatabase;
import org.jdbi.v3.core.Jdbi;

import javax.sql.DataSource;

/**
 * A PostgreSQL server shared by the tests ({@link PostgresExtension}); each test works in
 * databases of its own, made by {@link #createDatabase(String)}, never in the server's default one.
 */
public final class TestPostgres implements AutoCloseable {
    private final EmbeddedDatabase server;

    private TestPostgres(EmbeddedDatabase server) {
        this.server = server;
    }

    /** A server of the caller's own, closed by the caller. */
    public static TestPostgres startOwn() throws Exception {
        return new TestPostgres(EmbeddedDatabase.start());
    }

    /** A database on the server. */
    public record Database(String name, String jdbcUrl) {
        public DataSource dataSource() {
            org.postgresql.ds.PGSimpleDataSource dataSource = new org.postgresql.ds.PGSimpleDataSource();
            dataSource.setURL(jdbcUrl);
            dataSource.setUser(EmbeddedDatabase.USER);
            dataSource.setPassword(EmbeddedDatabase.PASSWORD);
            return dataSource;
        }

        public Jdbi jdbi() {
            return Jdbi.create(jdbcUrl, EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
        }
    }

    /** A fresh, empty database, its name {@code prefix} made unique in this run. */
    public Database createDatabase(String prefix) {
        String name = TestNames.unique(prefix).replace('-', '_').toLowerCase(java.util.Locale.ROOT);
        Jdbi.create(server.dataSource()).useHandle(h -> h.execute("CREATE DATABASE " + name));
        return new Database(name, "jdbc:postgresql://localhost:" + server.port() + "/" + name);
    }

    /** The server's maintenance database, for statements about other databases (ALTER DATABASE, pg_terminate_backend). */
    public DataSource adminDataSource() {
        return server.dataSource();
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
