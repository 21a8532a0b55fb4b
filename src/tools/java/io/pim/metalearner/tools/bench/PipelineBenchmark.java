package io.pim.metalearner.tools.bench;

import io.pim.metalearner.tools.ToolsMain;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The whole-pipeline throughput run on the multi-process harness (docs/BENCHMARKS.md, "1M trades end to
 * end"): publishes N simulated trades over M models as fast as the simulator sends them, and stops
 * the clock when PostgreSQL holds a training-log row for every one (publish → join → train →
 * weights-updated → JDBI writer → PostgreSQL). Prints wall time, trades/s, CPU per trade of every
 * harness process (from {@code /proc}, children included: PostgreSQL's backends count for
 * PostgreSQL), and the records and bytes each trade left on every topic and in every table.
 *
 * <p>With {@code --latency} it also measures close → {@code weights-updated} for every trade
 * ({@link CloseLatencyProbe}), meant with a paced {@code --rate}.
 *
 * <p>Not a test: {@code bin/throughput} runs it against a fresh harness.
 */
@Command(name = "pipeline-bench", mixinStandardHelpOptions = true,
        description = "Publish N trades into a running harness and measure the pipeline until PostgreSQL has them all.")
public final class PipelineBenchmark implements Callable<Integer> {
    /** Linux's USER_HZ: /proc reports CPU time in these ticks on every common kernel build. */
    private static final long TICKS_PER_SECOND = 100;

    @Option(names = "--harness-dir", required = true, paramLabel = "DIR", description = "The harness folder (bin/harness up).")
    Path dir;

    @Option(names = "--trades", defaultValue = "1000000", paramLabel = "N", description = "Trades to publish (default ${DEFAULT-VALUE}).")
    long trades;

    @Option(names = "--models", defaultValue = "8", paramLabel = "M", description = "Models the trades spread over (default ${DEFAULT-VALUE}).")
    int models;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Simulator seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "R",
            description = "Trades a second the simulator publishes; 0, the default, as fast as it can. A paced run "
                    + "measures CPU per trade at a steady load, without the simulator crowding the pipeline.")
    int rate;

    @Option(names = "--latency",
            description = "Also measure close -> weights-updated per trade (read_committed), the simulator sending each record "
                    + "at once (linger 0). Meant with a paced --rate.")
    boolean latency;

    @Option(names = "--latency-warmup", defaultValue = "60s", paramLabel = "D",
            description = "Trades closed within this long of the first close are left out of the latency figures: every "
                    + "process starts cold (default ${DEFAULT-VALUE}).")
    Duration latencyWarmup;

    @Option(names = "--settle", defaultValue = "30m", paramLabel = "D", description = "Give up after this long (default ${DEFAULT-VALUE}).")
    Duration settle;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PipelineBenchmark()).registerConverter(Duration.class, io.pim.metalearner.config.Durations::parse)
                .execute(args));
    }

    @Override
    public Integer call() throws Exception {
        ServiceConfig service = ServiceConfig.load(dir.resolve("instance-1.properties"));
        WriterConfig writer = WriterConfig.load(dir.resolve("writer.properties"));
        try (Admin admin = new KafkaClients(service).admin();
             Connection db = writer.database().dataSource().getConnection(); Statement sql = db.createStatement();
             // reads both topics from their ends, so it is up before the simulator sends (null without --latency)
             CloseLatencyProbe probe = latency ? new CloseLatencyProbe(new KafkaClients(service), Topics.of(service)) : null) {
            Map<String, Long> cpuBefore = processCpu();
            Map<String, long[]> topicsBefore = topicFigures(admin);
            Map<String, Long> rowsBefore = tableRows(sql);
            long selfChildrenBefore = childrenCpu(ProcessHandle.current().pid());

            long start = System.nanoTime();
            Process simulate = simulator(service);
            long deadline = start + settle.toNanos();
            long published = -1, landed = 0, lastReport = start;
            while (landed < trades) {
                if (System.nanoTime() > deadline) {
                    System.out.printf(Locale.ROOT, "FAILED: %d of %d training-log rows after %s%n", landed, trades, settle);
                    simulate.destroy();
                    return 1;
                }
                if (published < 0 && !simulate.isAlive()) {
                    published = System.nanoTime() - start;
                    if (simulate.exitValue() != 0) {
                        System.out.println("FAILED: the simulator exited with " + simulate.exitValue() + "; see logs/simulate.log");
                        return 1;
                    }
                }
                Thread.sleep(1000);
                landed = count(sql, "metalearner_training_log") - rowsBefore.getOrDefault("metalearner_training_log", 0L);
                if (System.nanoTime() - lastReport > 10_000_000_000L) {
                    lastReport = System.nanoTime();
                    System.err.printf(Locale.ROOT, "pipeline-bench: %,d rows landed after %.0f s%n", landed, (lastReport - start) / 1e9);
                }
            }
            double wall = (System.nanoTime() - start) / 1e9;
            Map<String, Long> cpuAfter = processCpu();
            simulate.waitFor();
            if (published < 0) published = System.nanoTime() - start; // it ended in the last second
            long simulatorCpu = childrenCpu(ProcessHandle.current().pid()) - selfChildrenBefore;

            System.out.printf(Locale.ROOT, "trades %,d over %d models: publish %.1f s, end to end (last training-log row in PostgreSQL) "
                    + "%.1f s, %,.0f trades/s%n", trades, models, published / 1e9, wall, trades / wall);
            if (probe != null) {
                System.out.println(probe.summary(latencyWarmup));
                probe.write(dir.resolve("latency.tsv"));
                System.out.println("  every trade's latency: " + dir.resolve("latency.tsv"));
            }
            System.out.println("CPU per process (user+system, children included):");
            long total = 0;
            for (var e : cpuAfter.entrySet()) {
                long used = e.getValue() - cpuBefore.getOrDefault(e.getKey(), 0L);
                total += used;
                printCpu(e.getKey(), used, wall);
            }
            printCpu("simulator", simulatorCpu, wall);
            printCpu("all", total + simulatorCpu, wall);
            System.out.println("records and bytes per trade by topic (end-offset delta includes transaction markers; "
                    + "bytes are the log size delta, after any compaction):");
            Map<String, long[]> topicsAfter = topicFigures(admin);
            long records = 0, bytes = 0;
            for (var e : topicsAfter.entrySet()) {
                long[] before = topicsBefore.getOrDefault(e.getKey(), new long[2]);
                long r = e.getValue()[0] - before[0], b = e.getValue()[1] - before[1];
                if (r == 0) continue;
                records += r;
                bytes += b;
                System.out.printf(Locale.ROOT, "  %-60s %8.2f records %9.0f bytes%n", e.getKey(), r / (double) trades, b / (double) trades);
            }
            System.out.printf(Locale.ROOT, "  %-60s %8.2f records %9.0f bytes%n", "all topics", records / (double) trades, bytes / (double) trades);
            System.out.println("PostgreSQL rows per trade:");
            for (var e : tableRows(sql).entrySet()) {
                long rows = e.getValue() - rowsBefore.getOrDefault(e.getKey(), 0L);
                System.out.printf(Locale.ROOT, "  %-40s %8.3f (%,d rows)%n", e.getKey(), rows / (double) trades, rows);
            }
            return 0;
        }
    }

    private Process simulator(ServiceConfig service) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                ToolsMain.class.getName(), "simulate", "--trades", Long.toString(trades), "--models", Integer.toString(models),
                "--seed", Long.toString(seed), "--rate", Integer.toString(rate), "--linger-ms", latency ? "0" : "5", "--bootstrap-servers", service.bootstrapServers(),
                "--registry-url", service.registryUrl(), "--input-keying", service.inputKeying().id));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs/simulate.log").toFile())).start();
    }

    private void printCpu(String name, long ticks, double wall) {
        double seconds = ticks / (double) TICKS_PER_SECOND;
        System.out.printf(Locale.ROOT, "  %-12s %7.1f s CPU (%4.0f %% of a core) %8.1f µs per trade%n", name, seconds,
                100 * seconds / wall, seconds * 1e6 / trades);
    }

    /** CPU ticks of each harness process (pids/NAME.pid) and all its descendants, reaped ones included. */
    private Map<String, Long> processCpu() throws IOException {
        Map<String, Long> cpu = new TreeMap<>();
        try (Stream<Path> pids = Files.list(dir.resolve("pids"))) {
            for (Path p : pids.toList()) {
                String name = p.getFileName().toString().replaceFirst("\\.pid$", "");
                long pid = Long.parseLong(Files.readString(p).trim());
                List<Long> roots = new ArrayList<>(List.of(pid));
                // pg_ctl daemonises the postmaster: it is not a descendant of the process that started it
                Path postmaster = dir.resolve("data").resolve(name).resolve("postmaster.pid");
                if (Files.exists(postmaster)) roots.add(Long.parseLong(Files.readAllLines(postmaster).get(0).trim()));
                cpu.put(name, treeCpu(roots));
            }
        }
        return cpu;
    }

    private static long treeCpu(List<Long> roots) {
        Set<Long> pids = new HashSet<>();
        for (long root : roots) {
            ProcessHandle.of(root).ifPresent(h -> {
                pids.add(h.pid());
                h.descendants().forEach(d -> pids.add(d.pid()));
            });
        }
        return pids.stream().mapToLong(p -> statTicks(p, true)).sum();
    }

    private static long childrenCpu(long pid) {
        return statTicks(pid, true) - statTicks(pid, false);
    }

    /** utime + stime (+ cutime + cstime of reaped children) from /proc/PID/stat; 0 if the process is gone. */
    private static long statTicks(long pid, boolean withReapedChildren) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // f[0] is field 3 (state)
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return withReapedChildren ? ticks + Long.parseLong(f[13]) + Long.parseLong(f[14]) : ticks;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Per topic: records (end minus start offsets) and bytes on disk (log dirs). */
    private static Map<String, long[]> topicFigures(Admin admin) throws Exception {
        Map<String, long[]> figures = new TreeMap<>();
        Map<String, TopicDescription> topics = admin.describeTopics(admin.listTopics().names().get()).allTopicNames().get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>(), earliest = new HashMap<>();
        topics.values().forEach(t -> t.partitions().forEach(p -> {
            TopicPartition tp = new TopicPartition(t.name(), p.partition());
            latest.put(tp, OffsetSpec.latest());
            earliest.put(tp, OffsetSpec.earliest());
        }));
        var ends = admin.listOffsets(latest).all().get();
        var starts = admin.listOffsets(earliest).all().get();
        ends.forEach((tp, info) -> figures.computeIfAbsent(tp.topic(), t -> new long[2])[0] += info.offset() - starts.get(tp).offset());
        var dirs = admin.describeLogDirs(admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList()).allDescriptions().get();
        dirs.values().forEach(byDir -> byDir.values().forEach(d -> d.replicaInfos().forEach((tp, info) ->
                figures.computeIfAbsent(tp.topic(), t -> new long[2])[1] += info.size())));
        return figures;
    }

    private static Map<String, Long> tableRows(Statement sql) throws Exception {
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = sql.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                + "AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'flyway%' ORDER BY table_name")) {
            while (rs.next()) tables.add(rs.getString(1));
        }
        Map<String, Long> rows = new TreeMap<>();
        for (String t : tables) rows.put(t, count(sql, t));
        return rows;
    }

    /** Table names come from the catalog above or are constants: no user text reaches this SQL. */
    private static long count(Statement sql, String table) throws Exception {
        try (ResultSet rs = sql.executeQuery("SELECT count(*) FROM \"" + table.replace("\"", "") + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
