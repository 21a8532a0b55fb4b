package io.pim.metalearner.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Gauge;
import io.pim.metalearner.metrics.PrometheusMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's {@code GET /health/live} and {@code GET /health/ready} on {@code health.port}, in the
 * service's shape (200 or 503, a JSON body {@code {status, state, detail}}), and its Prometheus
 * metrics on {@code GET /metrics} ({@link WriterMetrics}, with {@code metalearner_writer_ready}), on
 * the JDK's own HTTP server: the writer has no other HTTP.
 * <ul>
 * <li><b>live</b> fails when the writer has stopped (an error that waiting does not cure; the
 *     process exits with 1 too) or its loop is wedged: migrated, yet no poll for longer than
 *     {@code max.poll.interval.ms}, after which the group itself drops the member. The loop polls
 *     while it waits for the database or the registry, so an outage is not a wedge: restarting
 *     would not bring the database back. A migration does not poll and may build an index for
 *     minutes, so it is not timed.</li>
 * <li><b>ready</b> once the database is migrated and writing runs, and not while the writer waits
 *     out an outage (that is the state to show, without a restart).</li>
 * </ul>
 */
public final class WriterHealth implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WriterHealth.class);
    public static final String LIVE_PATH = "/health/live";
    public static final String READY_PATH = "/health/ready";
    public static final String METRICS_PATH = "/metrics";
    private static final ObjectMapper JSON = new ObjectMapper();

    record Check(boolean ok, String state, String detail) {
    }

    private final JdbiWriter writer;
    private final Duration wedgedAfter;
    private final HttpServer server;

    private WriterHealth(JdbiWriter writer, Duration wedgedAfter, int port) throws IOException {
        this.writer = writer;
        this.wedgedAfter = wedgedAfter;
        this.server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext(LIVE_PATH, ex -> answer(ex, live()));
        server.createContext(READY_PATH, ex -> answer(ex, ready()));
        server.createContext(METRICS_PATH, this::metrics);
        Gauge.builder("metalearner.writer.ready", this, h -> h.ready().ok() ? 1 : 0)
                .description("1 while the writer is ready (migrated and writing), 0 otherwise")
                .register(writer.metrics().registry());
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "writer-health");
            t.setDaemon(true);
            return t;
        }));
    }

    /**
     * @param port        the port to listen on (0: a free one, for tests)
     * @param wedgedAfter the consumer's {@code max.poll.interval.ms}
     */
    public static WriterHealth start(JdbiWriter writer, int port, Duration wedgedAfter) throws IOException {
        WriterHealth health = new WriterHealth(writer, wedgedAfter, port);
        health.server.start();
        log.info("writer health on http://localhost:{}{} and {}", health.port(), LIVE_PATH, READY_PATH);
        return health;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    Check live() {
        if (!writer.isRunning()) {
            return new Check(false, "STOPPED", "the writer stopped: " + writer.failure());
        }
        if (writer.isMigrated() && writer.sinceLastPoll().compareTo(wedgedAfter) > 0) {
            return new Check(false, "WEDGED", "no poll for " + writer.sinceLastPoll().toSeconds()
                    + " s, more than max.poll.interval.ms (" + wedgedAfter.toSeconds() + " s)");
        }
        return new Check(true, writer.isMigrated() ? "WRITING" : "MIGRATING", "alive");
    }

    Check ready() {
        if (!writer.isRunning()) return new Check(false, "STOPPED", "the writer stopped: " + writer.failure());
        String waiting = writer.waitingFor();
        if (waiting != null) return new Check(false, "WAITING", "waiting for " + waiting);
        if (!writer.isMigrated()) return new Check(false, "MIGRATING", "migrating the database before writing");
        return new Check(true, "WRITING", "migrated and writing");
    }

    private void metrics(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = writer.metrics().scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", PrometheusMetrics.CONTENT_TYPE);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void answer(HttpExchange exchange, Check check) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", check.ok() ? "UP" : "DOWN");
            body.put("state", check.state());
            body.put("detail", check.detail());
            byte[] bytes = JSON.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(check.ok() ? 200 : 503, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
