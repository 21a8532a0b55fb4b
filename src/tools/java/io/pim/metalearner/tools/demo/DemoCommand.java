package io.pim.metalearner.tools.demo;

import io.pim.metalearner.cli.DatabaseRollback;
import io.pim.metalearner.cli.Logging;
import io.pim.metalearner.tools.embedded.EmbeddedStack;
import io.pim.metalearner.tools.simulate.DeskSimulator;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.api.ApiConfig;
import io.pim.metalearner.api.LearnerView;
import io.pim.metalearner.api.Statuses;
import io.pim.metalearner.api.StreamLearnerView;
import io.pim.metalearner.api.HttpService;
import io.pim.metalearner.api.ServiceMetrics;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.sink.HistoryQueries;
import io.pim.metalearner.sink.JdbiWriter;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.kafka.TradePublisher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import java.util.Properties;

/**
 * The embedded default: broker, registry and service in one command, a stream of trades through
 * them, and proof at the end that the live learner equals an offline replay of its training topic.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start an in-JVM Kafka broker, the Apicurio registry, PostgreSQL, the learning service and "
                + "the JDBI writer; publish trades (each trade's votes, then its close, in order); wait until every "
                + "trade is trained or dead-lettered; replay the training topic offline; print the seed's three "
                + "queries on the landed tables, then one JSON summary as the last line.",
                "The console shows the demo's progress; the libraries' logs go to a file (see --log-file) unless --verbose.",
                "With --models N the trades spread over model-1 … model-N; the summary gives each model's steps and "
                        + "live and replay fingerprints under \"models\".",
                "Exits 1 if the live learner and the replay differ (for any model)."})
public final class DemoCommand implements Callable<Integer> {
    private static final JsonMapper MAPPER = new JsonMapper();
    /** With no progress for this long the demo gives up instead of hanging. */
    private static final Duration STALL = Duration.ofMinutes(2);

    @Spec
    CommandSpec spec;

    @Option(names = "--trades", paramLabel = "N", description = "Simulated trades (default 2000).")
    Integer trades;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the simulated trades (default 1).")
    Long seed;

    @Option(names = "--models", paramLabel = "N", description = "Simulated desks: spread the trades round-robin over "
            + "model-1 … model-N, each with its own agent skills (default 1: the default model, as before).")
    Integer models;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A service config key for the demo's service "
            + "(repeatable), e.g. --set candidates=default --set promotion.policy=auto (docs/CONFIG.md lists the keys).")
    java.util.Map<String, String> set = new java.util.LinkedHashMap<>();

    @Option(names = "--input", paramLabel = "FILE.jsonl",
            description = "Publish this file's trades (one feedback JSON body per line) instead of simulated ones.")
    Path input;

    @Option(names = "--serve", description = "After the input, keep running with the HTTP API and the dashboard "
            + "(started as soon as the stack is up) until Ctrl-C or SIGTERM.")
    boolean serve;

    @Option(names = "--http-port", paramLabel = "P", description = "Port of the HTTP API and dashboard with --serve (default 8080).")
    int httpPort = 8080;

    @Option(names = {"-v", "--verbose"}, description = "Show the libraries' logs on the console instead of in the log file.")
    boolean verbose;

    @Option(names = "--log-file", paramLabel = "FILE", description = "Where the libraries' logs go, overwritten on each run "
            + "(default target/demo.log of the checkout bin/metalearner runs from, else metalearner-demo.log in the temp folder).")
    Path logFile;

    @Override
    public Integer call() throws Exception {
        Trades source = trades();
        PrintWriter err = spec.commandLine().getErr();
        if (!verbose) {
            err.println("demo: logs in " + logFile().toAbsolutePath());
        }
        long t0 = System.nanoTime();
        // the logs go back to the console only after the stack has stopped (its shutdown logs too)
        try (AutoCloseable logs = verbose ? Logging.onConsole() : Logging.toFile(logFile());
             EmbeddedStack stack = new EmbeddedStack().closeOnExit().onPhase(phase -> phase(err, t0, phase))) {
            err.println("demo: starting the broker, the registry and PostgreSQL ...");
            err.flush();
            Properties settings = new Properties();
            settings.putAll(set);
            ServiceMetrics metrics = null;
            if (serve) {
                if (httpPort < 1 || httpPort > 65535) {
                    throw new ParameterException(spec.commandLine(), "--http-port: must be 1..65535, was " + httpPort);
                }
                metrics = new ServiceMetrics();
                settings.setProperty("http.port", Integer.toString(httpPort));
                // the instance's own address for interactive queries: another instance would fetch models here
                settings.setProperty("streams.application.server", "localhost:" + httpPort);
                // the one variable the demo takes from the environment (a token on the command line would
                // show in `ps`): without it the admin endpoints stay off
                String token = System.getenv(io.pim.metalearner.config.ConfigFile.envName("http.admin-token"));
                if (token != null) settings.setProperty("http.admin-token", token);
            }
            stack.start(settings, true, metrics == null ? io.pim.metalearner.stream.StepListener.NONE : metrics);
            ServiceConfig config = stack.config();
            err.printf(Locale.ROOT, "demo: up in %.1f s (Kafka at %s, registry at %s)%n",
                    (System.nanoTime() - t0) / 1e9, stack.kafka().bootstrapServers(), stack.registry().url());
            if (serve) {
                stack.own(metrics);
                HttpService http = stack.own(HttpService.start(stack.service(), metrics, ApiConfig.from(config),
                        DatabaseRollback.forAdmin(config.rollbackDatabase())));
                err.printf(Locale.ROOT, "demo: dashboard at http://localhost:%d/ (API under /api/pim, metrics at /metrics)%n",
                        http.port());
            }
            err.flush();

            KafkaClients clients = new KafkaClients(config);
            int exit;
            try (OutcomeWatcher watcher = new OutcomeWatcher(clients, Topics.of(config), update -> { });
                 TradePublisher publisher = TradePublisher.batch(clients, Topics.of(config), 5)) {
                err.printf(Locale.ROOT, "demo: publishing %d trades ...%n", source.count);
                Progress progress = new Progress(err, source.count, watcher, System.console() != null && !verbose);
                long published = 0, unreadable = 0;
                for (Iterator<String> lines = source.lines; lines.hasNext(); ) {
                    String line = lines.next();
                    if (line.isBlank()) continue;
                    if (publisher.publish(line) == TradePublisher.Outcome.UNREADABLE) unreadable++;
                    published++;
                    progress.maybePrint(published);
                }
                publisher.flush();
                progress.say(String.format(Locale.ROOT, "published %d trades (%d unreadable); waiting for training ...",
                        published, unreadable));
                OutcomeWatcher.Snapshot outcome = progress.awaitResolved(published);

                err.println("demo: replaying the training topic offline ...");
                err.flush();
                // one model: the default one (trades naming another model_id train that one, unchecked, as
                // before); N desks: each of model-1 … model-N, from its own partition
                int desks = models == null ? 1 : models;
                List<String> checked = desks == 1 ? List.of(config.defaultModelId())
                        : IntStream.rangeClosed(1, desks).mapToObj(DeskSimulator::modelId).toList();
                List<DemoModels.Check> checks = DemoModels.check(config, outcome.lastByModel(), checked);

                ObjectNode summary = MAPPER.createObjectNode();
                summary.put("published", published);
                summary.put("unreadable", unreadable);
                summary.put("trained", outcome.trained());
                ObjectNode reasons = summary.putObject("dead_lettered");
                outcome.deadLettered().forEach(reasons::put);
                if (desks == 1) {
                    checks.get(0).into(summary);
                    ObjectNode weights = summary.putObject("agent_weights");
                    checks.get(0).weights().forEach(weights::put);
                } else {
                    ObjectNode perModel = summary.putObject("models");
                    checks.forEach(c -> c.into(perModel.putObject(c.modelId())));
                }
                if (!config.candidates().isEmpty()) {
                    // what the dashboard's race panel shows, from the stream's own store
                    StreamLearnerView view = new StreamLearnerView(stack.service(), null);
                    for (String id : checked) {
                        ObjectNode into = desks == 1 ? summary : (ObjectNode) summary.get("models").get(id);
                        view.status(id).map(LearnerView.Status::race)
                                .ifPresent(r -> into.set("candidate_race", MAPPER.valueToTree(Statuses.json(r))));
                    }
                }
                err.println("demo: waiting for the JDBI writer to land everything in PostgreSQL ...");
                err.flush();
                JdbiWriter writer = stack.writer();
                writer.awaitCaughtUp(Duration.ofMinutes(2));
                PrintWriter out = spec.commandLine().getOut();
                printSeedQueries(out, writer, checked.get(0));
                ObjectNode postgres = summary.putObject("postgres");
                writer.rowCounts().forEach(postgres::put);
                List<String> differ = checks.stream().filter(c -> !c.agrees()).map(DemoModels.Check::modelId).toList();
                if (!differ.isEmpty()) {
                    err.println("demo: FAILED: the live learner and the replay of its training topic differ for " + differ);
                }
                out.println(MAPPER.writeValueAsString(summary));
                out.flush();
                exit = differ.isEmpty() ? 0 : 1;
            }
            // the demo's own clients are closed by now; what keeps running is the stack and the API
            if (serve) serveUntilStopped(err);
            return exit;
        }
    }

    /** One step of the stack's start, with the seconds since the demo began. */
    private static synchronized void phase(PrintWriter err, long t0, String phase) {
        err.printf(Locale.ROOT, "demo: %s (%.1f s)%n", phase, (System.nanoTime() - t0) / 1e9);
        err.flush();
    }

    private Path logFile() {
        if (logFile != null) return logFile;
        String home = System.getProperty("metalearner.home");
        return home != null ? Path.of(home, "target", "demo.log")
                : Path.of(System.getProperty("java.io.tmpdir"), "metalearner-demo.log");
    }

    /** The seed's three queries on what the writer landed, for a person to read above the JSON line. */
    private static void printSeedQueries(PrintWriter out, JdbiWriter writer, String modelId) {
        out.println("-- latest weights (metalearner_weights)");
        writer.query(q -> q.latestWeights(modelId)).ifPresentOrElse(
                w -> out.printf(Locale.ROOT, "step %d at %s: loss %.6f, accuracy %.3f, weights %s%n", w.trainingStep(),
                        w.timestamp(), w.trainingLoss(), w.predictionAccuracy(), w.agentWeights()),
                () -> out.println("(no snapshot yet: one is written every 10 steps)"));
        out.println("-- agent rankings by current weight (agent_performance)");
        for (HistoryQueries.AgentRanking r : writer.query(q -> q.agentRankings(modelId))) {
            out.printf(Locale.ROOT, "%-18s weight %.4f  accuracy %.3f  decisions %d  avg contribution %+.5f%n",
                    r.agentId(), r.currentWeight(), r.accuracy(), r.totalDecisions(), r.avgProfitContribution());
        }
        out.println("-- recent training steps (metalearner_training_log)");
        for (HistoryQueries.TrainingStep t : writer.query(q -> q.recentTrainingSteps(modelId, 5))) {
            out.printf(Locale.ROOT, "step %d  %s  predicted %+.5f  actual %+.5f  loss %.6f%n",
                    t.trainingStep(), t.decisionId(), t.predictedProfit(), t.actualProfit(), t.loss());
        }
    }

    /**
     * Keeps the stack and the HTTP API up until the JVM is asked to stop (Ctrl-C, SIGTERM): the
     * stack's shutdown hook then closes the API first, then the service, registry and broker.
     */
    private void serveUntilStopped(PrintWriter err) throws InterruptedException {
        err.printf(Locale.ROOT, "demo: serving at http://localhost:%d/ until Ctrl-C%n", httpPort);
        err.flush();
        new java.util.concurrent.CountDownLatch(1).await();
    }

    private record Trades(Iterator<String> lines, long count) {
    }

    private Trades trades() throws IOException {
        if (input != null) {
            if (trades != null || seed != null || models != null) {
                throw new ParameterException(spec.commandLine(), "--input cannot be combined with --trades/--seed/--models");
            }
            if (!Files.isReadable(input)) throw new ParameterException(spec.commandLine(), "--input: cannot read " + input);
            long count;
            try (var lines = Files.lines(input, StandardCharsets.UTF_8)) {
                count = lines.filter(l -> !l.isBlank()).count();
            }
            return new Trades(Files.readAllLines(input, StandardCharsets.UTF_8).iterator(), count);
        }
        int n = trades == null ? 2_000 : trades;
        if (n < 0) throw new ParameterException(spec.commandLine(), "--trades: must be >= 0, was " + n);
        int desks = models == null ? 1 : models;
        if (desks < 1) throw new ParameterException(spec.commandLine(), "--models: must be >= 1, was " + desks);
        DeskSimulator simulator = new DeskSimulator(LearnerConfig.DEFAULT_ROSTER, seed == null ? 1 : seed,
                TradeSimulator.Scenario.SKILLS, n, desks);
        return new Trades(new Iterator<>() {
            public boolean hasNext() {
                return simulator.hasNext();
            }

            public String next() {
                return simulator.next();
            }
        }, n);
    }

    /**
     * Progress of the trades on stderr, and the wait for the last outcome: on a terminal one bar
     * redrawn in place, elsewhere (a file, a pipe, a test) a line at each tenth of the trades
     * trained or dead-lettered.
     */
    private static final class Progress {
        private static final int WIDTH = 30;
        private static final long REDRAW_NANOS = 200_000_000L;
        private final PrintWriter err;
        private final long total;
        private final OutcomeWatcher watcher;
        private final boolean bar;
        private long published;
        private long lastLook = System.nanoTime();
        private int tenthsShown;
        private int barLength; // of the bar on screen, 0 when none

        Progress(PrintWriter err, long total, OutcomeWatcher watcher, boolean bar) {
            this.err = err;
            this.total = total;
            this.watcher = watcher;
            this.bar = bar;
        }

        void maybePrint(long published) {
            this.published = published;
            if (System.nanoTime() - lastLook >= REDRAW_NANOS) show(watcher.snapshot());
        }

        /** A line of its own, in place of the bar (which the next update draws again below it). */
        void say(String message) {
            if (barLength > 0) err.print("\r" + " ".repeat(barLength) + "\r");
            barLength = 0;
            err.println("demo: " + message);
            err.flush();
        }

        private void show(OutcomeWatcher.Snapshot s) {
            lastLook = System.nanoTime();
            double done = total == 0 ? 1 : Math.min(1, (double) s.closesResolved() / total);
            String counts = String.format(Locale.ROOT, "published %d/%d, trained %d, dead-lettered %d",
                    published, total, s.trained(), s.deadLetteredTotal());
            if (bar) {
                int filled = (int) (done * WIDTH);
                String line = String.format(Locale.ROOT, "demo: [%s%s] %3d%%  %s", "#".repeat(filled),
                        "-".repeat(WIDTH - filled), (int) (done * 100), counts);
                err.print("\r" + line + " ".repeat(Math.max(0, barLength - line.length())));
                barLength = line.length();
            } else {
                int tenths = (int) (done * 10);
                if (tenths <= tenthsShown) return;
                tenthsShown = tenths;
                err.printf(Locale.ROOT, "demo: %3d%% of the trades trained or dead-lettered (%s)%n", tenths * 10, counts);
            }
            err.flush();
        }

        private void endBar() {
            if (barLength == 0) return;
            err.println();
            barLength = 0;
        }

        /** Waits until every published trade's close is trained or dead-lettered. */
        OutcomeWatcher.Snapshot awaitResolved(long published) throws InterruptedException {
            this.published = published;
            long lastResolved = -1, lastChange = System.nanoTime();
            while (true) {
                OutcomeWatcher.Snapshot s = watcher.snapshot();
                if (s.closesResolved() >= published) {
                    show(s);
                    endBar();
                    return s;
                }
                if (s.closesResolved() != lastResolved) {
                    lastResolved = s.closesResolved();
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > STALL.toNanos()) {
                    endBar();
                    throw new IllegalStateException("no progress for " + STALL.toSeconds() + " s: " + s.closesResolved()
                            + " of " + published + " trades trained or dead-lettered");
                }
                if (System.nanoTime() - lastLook >= REDRAW_NANOS) show(s);
                Thread.sleep(50);
            }
        }
    }
}
