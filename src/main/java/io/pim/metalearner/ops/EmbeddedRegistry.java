package io.pim.metalearner.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Apicurio Registry 3.0.9 (in-memory storage) as a child process on free loopback ports. Its
 * runner jar is unpacked by the build into {@code target/apicurio}; the path comes from the
 * system property {@code metalearner.apicurio.jar} (set by bin/metalearner and by surefire).
 */
public final class EmbeddedRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedRegistry.class);
    public static final String JAR_PROPERTY = "metalearner.apicurio.jar";

    private final Process process;
    private final int port;
    private final Path logFile;
    private boolean ready;

    private EmbeddedRegistry(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
    }

    /** Starts the registry and waits until its REST API answers (about 10 s). */
    public static EmbeddedRegistry start() throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty(JAR_PROPERTY, "target/apicurio/apicurio-registry-app-3.0.9-runner.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Apicurio registry jar not found at " + jar.toAbsolutePath()
                    + ": run ./mvnw package (it unpacks the registry), or set -D" + JAR_PROPERTY);
        }
        int port = freePort();
        int managementPort = freePort();
        Path logFile = Files.createTempFile("apicurio-", ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "-Xmx512m",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.port=" + managementPort,
                "-Dquarkus.log.level=WARN",
                "-jar", jar.toString());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
        EmbeddedRegistry registry = new EmbeddedRegistry(process, port, logFile);
        try {
            registry.awaitReady(Duration.ofSeconds(90));
            registry.ready = true;
        } catch (IOException | RuntimeException | InterruptedException e) {
            registry.close();
            throw e;
        }
        log.info("Apicurio registry ready at {} (log: {})", registry.url(), logFile);
        return registry;
    }

    /** Base URL, e.g. {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The v3 API root, what Apicurio's serdes take as {@code apicurio.registry.url}. */
    public String apiUrl() {
        return url() + "/apis/registry/v3";
    }

    /** The Confluent-compatible API root, for Confluent clients in any language. */
    public String ccompatUrl() {
        return url() + "/apis/ccompat/v7";
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ping = HttpRequest.newBuilder(URI.create(apiUrl() + "/system/info"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Apicurio registry exited with code " + process.exitValue()
                        + " during start; see " + logFile);
            }
            try {
                if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Apicurio registry not ready after " + timeout.toSeconds() + " s; see " + logFile);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (!ready) return; // keep the log of a failed start for diagnosis
        try {
            Files.deleteIfExists(logFile);
        } catch (IOException ignored) {
            // a temp file; the OS cleans it
        }
    }
}
