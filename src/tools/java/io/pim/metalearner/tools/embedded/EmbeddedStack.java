package io.pim.metalearner.tools.embedded;

import io.pim.metalearner.config.ConfigParts;
import io.pim.metalearner.sink.JdbiWriter;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.stream.StepListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Everything the embedded default runs in (or under) this JVM: a Kafka node, the Apicurio
 * registry (a child process), the learning service with its state in a temporary folder and,
 * optionally, PostgreSQL (a child process) with the JDBI writer.
 * Each part is registered for shutdown as soon as it is up, so {@link #close()} (from a finally
 * block or a Ctrl-C shutdown hook, whichever comes first) stops exactly what was started, in
 * reverse order, and deletes the temporary state.
 */
public final class EmbeddedStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedStack.class);

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private boolean closed;
    // the registry starts on another thread; close() waits for it so no child process outlives us
    private volatile CompletableFuture<?> registryStarting = CompletableFuture.completedFuture(null);
    private volatile CompletableFuture<?> databaseStarting = CompletableFuture.completedFuture(null);
    private EmbeddedKafka kafka;
    private EmbeddedRegistry registry;
    private ServiceConfig config;
    private LearningService service;
    private EmbeddedDatabase database;
    private JdbiWriter writer;
    private volatile Consumer<String> phases = phase -> { };

    /**
     * Starts broker and registry side by side (the registry takes longest), then the service with
     * the default config plus {@code settings} (service config keys, e.g. {@code commit.interval});
     * the addresses and the state directory are the stack's own.
     */
    public void start(Properties settings) throws Exception {
        start(settings, false, StepListener.NONE);
    }

    /**
     * As {@link #start(Properties)}; with {@code withDatabase}, also an embedded PostgreSQL (started
     * beside the broker) and the JDBI writer landing the service's outputs in it; {@code listener}
     * hears every training step (metrics).
     */
    public void start(Properties settings, boolean withDatabase, StepListener listener) throws Exception {
        CompletableFuture<EmbeddedDatabase> databaseStart = !withDatabase ? CompletableFuture.completedFuture(null)
                : CompletableFuture.supplyAsync(() -> {
                    try {
                        EmbeddedDatabase started = register(EmbeddedDatabase.start());
                        phases.accept("PostgreSQL up at " + started.jdbcUrl());
                        return started;
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                });
        databaseStarting = databaseStart;
        CompletableFuture<EmbeddedRegistry> registryStart = CompletableFuture.supplyAsync(() -> {
            try {
                EmbeddedRegistry started = register(EmbeddedRegistry.start());
                phases.accept("registry up at " + started.url());
                return started;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        registryStarting = registryStart;
        try {
            kafka = register(EmbeddedKafka.start());
            phases.accept("broker up at " + kafka.bootstrapServers());
            registry = registryStart.join();
            database = databaseStart.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            // a failed broker start must not leave the registry or database process behind
            registryStart.handle((r, e) -> null).join();
            databaseStart.handle((r, e) -> null).join();
        }
        Path stateDir = Files.createTempDirectory("metalearner-streams-");
        register(() -> EmbeddedKafka.deleteRecursively(stateDir));
        Properties p = new Properties();
        p.putAll(settings);
        p.setProperty("bootstrap.servers", kafka.bootstrapServers());
        p.setProperty("registry.url", registry.apiUrl());
        p.setProperty("state.dir", stateDir.toString());
        // our own producers key by model: a close reaches its weights in one transaction
        if (!p.containsKey(ConfigParts.INPUT_KEYING)) p.setProperty(ConfigParts.INPUT_KEYING, "model-id");
        if (database != null) { // the admin rollback from PostgreSQL reads the checkpoints the writer lands there
            p.setProperty(ConfigParts.HTTP_ROLLBACK_DATABASE_URL, database.jdbcUrl());
            p.setProperty(ConfigParts.HTTP_ROLLBACK_DATABASE_USER, EmbeddedDatabase.USER);
            p.setProperty(ConfigParts.HTTP_ROLLBACK_DATABASE_PASSWORD, EmbeddedDatabase.PASSWORD);
        }
        // not the environment: METALEARNER_* variables meant for `run` must not redirect the demo
        config = ServiceConfig.from(p, Map.of());
        phases.accept("starting the learning service ...");
        service = register(new LearningService(config, listener));
        service.createTopics();
        service.start();
        service.awaitRunning(Duration.ofSeconds(60));
        phases.accept("learning service running");
        if (database != null) {
            phases.accept("starting the JDBI writer ...");
            writer = register(JdbiWriter.start(WriterConfig.of(kafka.bootstrapServers(), registry.apiUrl(),
                    database.jdbcUrl(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD)));
        }
    }

    /** Hears each part of {@link #start} as it comes up (from the threads starting them), for a progress display. */
    public EmbeddedStack onPhase(Consumer<String> listener) {
        phases = listener;
        return this;
    }

    /** Something started on top of the stack (e.g. the HTTP API): closed first, before the service it uses. */
    public <T extends AutoCloseable> T own(T resource) throws Exception {
        return register(resource);
    }

    private synchronized <T extends AutoCloseable> T register(T resource) throws Exception {
        if (closed) { // Ctrl-C arrived while this part was starting
            resource.close();
            throw new InterruptedException("shutting down");
        }
        started.push(resource);
        return resource;
    }

    /** Closes this stack when the JVM exits (Ctrl-C included), if it was not closed before. */
    public EmbeddedStack closeOnExit() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "embedded-stack-shutdown"));
        return this;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedRegistry registry() {
        return registry;
    }

    public ServiceConfig config() {
        return config;
    }

    public LearningService service() {
        return service;
    }

    /** The JDBI writer, or null when started without the database. */
    public JdbiWriter writer() {
        return writer;
    }

    /** Stops everything started, newest first; safe to call twice and from a shutdown hook. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        // a registry still starting closes itself in register(), seeing closed
        registryStarting.handle((r, e) -> null).join();
        databaseStarting.handle((r, e) -> null).join();
        while (true) {
            AutoCloseable resource;
            synchronized (this) {
                if (started.isEmpty()) return;
                resource = started.pop();
            }
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("could not close {} cleanly: {}", resource, e.toString());
            }
        }
    }
}
