package io.pim.metalearner.tools.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A real PostgreSQL (zonky's embedded binaries) as a child process, for the demo and the tests.
 * Given a data directory and port it can be stopped and started again with its data, which is
 * how the tests take the database away from a running writer and bring it back.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";
    public static final String DATABASE = "postgres";

    private final Path dataDirectory;
    private final int port;
    private EmbeddedPostgres postgres;

    private EmbeddedDatabase(Path dataDirectory, int port) {
        this.dataDirectory = dataDirectory;
        this.port = port;
    }

    /** A throwaway database on a free port (about 2 s). */
    public static EmbeddedDatabase start() throws IOException {
        EmbeddedDatabase database = new EmbeddedDatabase(null, 0);
        database.postgres = EmbeddedPostgres.builder().start();
        return database;
    }

    /** A database kept in {@code dataDirectory} on a fixed port, so it can be stopped and started again. */
    public static EmbeddedDatabase start(Path dataDirectory, int port) throws IOException {
        EmbeddedDatabase database = new EmbeddedDatabase(dataDirectory, port);
        database.startAgain();
        return database;
    }

    /** Starts a stopped database again on the same directory and port. */
    public synchronized void startAgain() throws IOException {
        if (postgres != null) return;
        if (dataDirectory == null) throw new IllegalStateException("a throwaway database cannot be restarted");
        postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setPort(port)
                .start();
    }

    /** Stops PostgreSQL (fast shutdown: open connections are cut, as in an outage). */
    public synchronized void stop() throws IOException {
        if (postgres == null) return;
        postgres.close();
        postgres = null;
    }

    public synchronized String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    public synchronized int port() {
        return postgres != null ? postgres.getPort() : port;
    }

    public synchronized DataSource dataSource() {
        if (postgres == null) throw new IllegalStateException("database is stopped");
        return postgres.getPostgresDatabase();
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
