package io.pim.metalearner.tools.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Apicurio Registry 3.0.9 (in-memory storage) as a child process on free loopback ports. Its
 * runner jar is unpacked by the build into {@code target/apicurio}; the path comes from the
 * system property {@code metalearner.apicurio.jar} (set by bin/metalearner and by surefire).
 * Its output is logged line by line under the logger {@code apicurio-registry}, so it lands
 * wherever this process's logs go (the demo's log file, the console).
 */
public final class EmbeddedRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedRegistry.class);
    private static final Logger output = LoggerFactory.getLogger("apicurio-registry");
    /** Lines of output kept for the message of a failed start. */
    private static final int TAIL = 20;
    public static final String JAR_PROPERTY = "metalearner.apicurio.jar";

    private final Process process;
    private final int port;
    private final Deque<String> tail = new ArrayDeque<>();

    private EmbeddedRegistry(Process process, int port) {
        this.process = process;
        this.port = port;
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
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "-Xmx512m",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.port=" + managementPort,
                "-Dquarkus.log.level=WARN",
                // the registry's own defaults log every request (access log, audit) at INFO
                "-Dquarkus.http.access-log.enabled=false",
                "-Dquarkus.log.category.\"io.apicurio\".level=WARN",
                "-jar", jar.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        EmbeddedRegistry registry = new EmbeddedRegistry(process, port);
        Thread pump = new Thread(registry::logOutput, "apicurio-registry-output");
        pump.setDaemon(true);
        pump.start();
        try {
            registry.awaitReady(Duration.ofSeconds(90));
        } catch (IOException | RuntimeException | InterruptedException e) {
            registry.close();
            throw e;
        }
        log.info("Apicurio registry ready at {}", registry.url());
        return registry;
    }

    /** Logs the child's output until it exits, keeping the last lines for {@link #failure}. */
    private void logOutput() {
        try (BufferedReader lines = process.inputReader()) {
            for (String line; (line = lines.readLine()) != null; ) {
                output.info(line);
                synchronized (tail) {
                    if (tail.size() == TAIL) tail.removeFirst();
                    tail.addLast(line);
                }
            }
        } catch (IOException closed) {
            // the process is gone
        }
    }

    private IllegalStateException failure(String what) {
        synchronized (tail) {
            return new IllegalStateException(what + (tail.isEmpty() ? "" : "; its last output:\n" + String.join("\n", tail)));
        }
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
                throw failure("Apicurio registry exited with code " + process.exitValue() + " during start");
            }
            try {
                if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw failure("Apicurio registry not ready after " + timeout.toSeconds() + " s");
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
    }
}
