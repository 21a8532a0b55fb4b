package io.pim.metalearner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The repo's {@code bin/harness} driven from a test: the same script a user runs, on this build's
 * classpath ({@code HARNESS_CLASSPATH}, so nothing is packaged), in a folder and on ports of the
 * test's own. Every process it starts is stopped by {@link #close} (the script's clean stop, then
 * SIGKILL of whatever is left), and by a shutdown hook should the test JVM end first, so a failed
 * or interrupted run leaves nothing behind.
 */
public final class Harness implements AutoCloseable {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    /** Kafka, controller, registry and its management port, PostgreSQL, writer health, then instance I at +10+I. */
    private static final int PORTS = 13;

    private final Path dir;
    private final int basePort;
    private final Thread hook;

    private Harness(Path dir, int basePort) {
        this.dir = dir;
        this.basePort = basePort;
        this.hook = new Thread(this::killAll, "harness-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** {@code bin/harness up ARGS} in {@code dir}, on free ports; throws with the script's output if it fails. */
    public static Harness up(Path dir, String... args) {
        List<String> up = new ArrayList<>(List.of("up"));
        up.addAll(List.of(args));
        for (int attempt = 1; ; attempt++) {
            Harness h = new Harness(dir, freePorts());
            try {
                h.run(up.toArray(String[]::new));
                return h;
            } catch (RuntimeException e) {
                h.close();
                // another process took one of the ports since we looked: the script started nothing, try others
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("is taken")) throw e;
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + basePort;
    }

    public String registryUrl() {
        return "http://127.0.0.1:" + (basePort + 2) + "/apis/registry/v3";
    }

    public String writerUrl() {
        return "http://localhost:" + (basePort + 5);
    }

    public String instanceUrl(int i) {
        return "http://localhost:" + (basePort + 10 + i);
    }

    /** Runs {@code bin/harness ARGS}; its output goes to {@code harness.log} in the folder. */
    public String run(String... args) {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("bin/harness").toString()));
        command.addAll(List.of(args));
        try {
            Files.createDirectories(dir.getParent());
            Path log = dir.getParent().resolve(dir.getFileName() + "-harness.log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Map<String, String> env = pb.environment();
            env.put("HARNESS_DIR", dir.toString());
            env.put("HARNESS_BASE_PORT", Integer.toString(basePort));
            env.put("HARNESS_CLASSPATH", System.getProperty("java.class.path"));
            long before = Files.exists(log) ? Files.size(log) : 0;
            Process p = pb.start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("bin/harness " + String.join(" ", args) + " did not finish in 10 min");
            }
            byte[] all = Files.readAllBytes(log);
            String out = new String(all, (int) before, all.length - (int) before, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("bin/harness " + String.join(" ", args) + " exited " + p.exitValue() + ":\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code bin/harness down}, then SIGKILL of any process of this harness still alive. */
    @Override
    public void close() {
        try {
            if (Files.exists(dir.resolve("harness.env"))) run("down");
        } catch (RuntimeException e) {
            System.err.println("harness down failed: " + e.getMessage());
        } finally {
            killAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    /** SIGKILL to every process of this harness still alive (its pid files, checked against its command line). */
    private void killAll() {
        Path pids = dir.resolve("pids");
        if (!Files.isDirectory(pids)) return;
        try (Stream<Path> files = Files.list(pids)) {
            for (Path f : files.toList()) {
                try {
                    long pid = Long.parseLong(Files.readString(f).trim());
                    ProcessHandle.of(pid).filter(this::ours).ifPresent(ProcessHandle::destroyForcibly);
                } catch (IOException | NumberFormatException ignored) {
                    // a pid file being written as we read: its process is the harness's to stop
                }
            }
        } catch (IOException e) {
            System.err.println("could not list " + pids + ": " + e);
        }
    }

    /** A pid may be reused once its process ended: only a process started with this folder or our registry port is ours. */
    private boolean ours(ProcessHandle p) {
        String command = p.info().commandLine().orElse("");
        return command.contains(dir.toString()) || command.contains("quarkus.http.port=" + (basePort + 2));
    }

    /** A base port with the harness's 13 ports above it free now (the script checks them again). */
    private static int freePorts() {
        Random random = new Random();
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20_000 + random.nextInt(400) * 25;
            if (allFree(base)) return base;
        }
        throw new IllegalStateException("no free block of " + PORTS + " ports found");
    }

    private static boolean allFree(int base) {
        for (int p = base; p < base + PORTS; p++) {
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }
}
