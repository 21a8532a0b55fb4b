package io.pim.metalearner.tools.simulate;

import io.pim.metalearner.cli.Stdout;
import io.pim.metalearner.cli.LearnerFlags;
import io.pim.metalearner.cli.SharedOptions;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.config.ConfigParts;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.TopicAdmin;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.kafka.TradePublisher;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Write a seeded synthetic trade stream, one feedback JSON body per line. "
                + "Each agent has a hidden skill (printed to stderr); 'switch' rotates the skills half-way.")
public final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--trades", paramLabel = "N", description = "Number of trades (a synthetic stream).")
    Integer trades;

    @Option(names = "--prices", paramLabel = "FILE.csv",
            description = "Instead of a synthetic stream, a backtest on real daily closes: a CSV of date,SYMBOL,... "
                    + "Each agent votes with a classical rule on past closes (printed to stderr). Lines carry decided_at and "
                    + "closed_at, so learn and evaluate judge each decision with what the model knew at its close.")
    Path prices;

    @Option(names = "--hold", defaultValue = "1", paramLabel = "DAYS",
            description = "With --prices: trading days a position is held. Default ${DEFAULT-VALUE}.")
    int hold;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--scenario", defaultValue = "skills", paramLabel = "skills|switch",
            description = "skills (fixed) or switch (skills rotate half-way). Default ${DEFAULT-VALUE}.")
    String scenario;

    @Option(names = "--agents", split = ",", paramLabel = "A,B,...", description = "Agents that vote (default: the default roster).")
    List<String> agents;

    @Option(names = "--models", defaultValue = "1", paramLabel = "N",
            description = "Spread the decisions round-robin over models model-1 … model-N, each with its own hidden "
                    + "agent skills (1, the default: today's stream for the default model).")
    int models;

    @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of stdout.")
    Path out;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Publish to this Kafka cluster (decision-votes, then trade-closed) instead of writing lines.")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL",
            description = "Apicurio v3 API root for the Avro schemas, e.g. http://host:8080/apis/registry/v3 "
                    + "(required with --bootstrap-servers).")
    String registryUrl;

    @Option(names = "--input-keying", defaultValue = "model-id", paramLabel = "decision-id|model-id",
            description = "When publishing: key both records by the model (default: ${DEFAULT-VALUE}, one transaction "
                    + "from close to weights) or by the decision; must be the service's input.keying.")
    String inputKeying;

    @Option(names = "--close-lag", defaultValue = "10", paramLabel = "K",
            description = "When publishing: a trade's close follows the votes of the next K trades, as positions "
                    + "close after later decisions. Default ${DEFAULT-VALUE}.")
    int closeLag;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "R",
            description = "When publishing: at most R trades a second, so the stream flows for a while (a chaos run "
                    + "kills processes meanwhile); 0, the default, publishes as fast as the broker takes them.")
    double rate;

    @Option(names = "--linger-ms", defaultValue = "5", paramLabel = "MS",
            description = "When publishing: the producer's batching delay (default ${DEFAULT-VALUE}); 0 sends each record "
                    + "at once, so a latency measured from the record's timestamp does not include it.")
    int lingerMs;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (prices != null) return backtest();
        if (trades == null) throw new ParameterException(spec.commandLine(), "give --trades N (synthetic) or --prices FILE.csv");
        if (trades < 0) throw new ParameterException(spec.commandLine(), "--trades: must be >= 0, was " + trades);
        TradeSimulator.Scenario sc = switch (scenario) {
            case "skills" -> TradeSimulator.Scenario.SKILLS;
            case "switch" -> TradeSimulator.Scenario.SWITCH;
            default -> throw new ParameterException(spec.commandLine(),
                    "--scenario: '" + scenario + "' is not one of skills, switch");
        };
        List<String> roster;
        try {
            roster = LearnerConfig.checkRoster(LearnerFlags.roster(agents)); // the agents learn will be given
        } catch (IllegalArgumentException e) {
            throw LearnerFlags.usageError(spec.commandLine(), e);
        }
        if (models < 1) throw new ParameterException(spec.commandLine(), "--models: must be >= 1, was " + models);
        var sim = new DeskSimulator(roster, seed, sc, trades, models);

        PrintWriter err = spec.commandLine().getErr();
        for (int k = 1; k <= models; k++) {
            TradeSimulator desk = sim.model(k);
            int own = trades / models + (k - 1 < trades % models ? 1 : 0);
            String model = models == 1 ? "" : DeskSimulator.modelId(k) + " ";
            for (int i = 0; i < roster.size(); i++) {
                err.printf(Locale.ROOT, "simulate: %s%s skill %.2f%s%n", model, roster.get(i), desk.skill(i, 0),
                        sc == TradeSimulator.Scenario.SWITCH ? String.format(Locale.ROOT, " -> %.2f after trade %d",
                                desk.skill(i, own), own / 2) : "");
            }
        }
        err.flush();

        if (bootstrapServers != null) return publish(sim, err);
        try (Writer w = out == null ? Stdout.writer(spec.commandLine().getOut())
                : Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            while (sim.hasNext()) {
                w.write(sim.next());
                w.write('\n');
            }
        }
        return 0;
    }

    /** {@code --prices}: real closes as a trade stream. */
    private int backtest() throws IOException {
        if (trades != null) throw new ParameterException(spec.commandLine(), "--prices and --trades cannot be combined");
        if (bootstrapServers != null) throw new ParameterException(spec.commandLine(), "--prices writes lines; publish them with demo --input");
        if (hold < 1) throw new ParameterException(spec.commandLine(), "--hold: must be >= 1, was " + hold);
        List<String> roster;
        try {
            roster = LearnerConfig.checkRoster(LearnerFlags.roster(agents));
        } catch (IllegalArgumentException e) {
            throw LearnerFlags.usageError(spec.commandLine(), e);
        }
        PrintWriter err = spec.commandLine().getErr();
        io.pim.metalearner.tools.simulate.PriceHistory history;
        try {
            history = PriceCsv.read(prices);
        } catch (PriceCsv.Invalid e) {
            err.println("metalearner simulate: " + e.getMessage());
            err.flush();
            return 1;
        } catch (IOException e) {
            err.printf("metalearner simulate: cannot read --prices %s: %s%n", prices, SharedOptions.TradesInput.describe(e));
            err.flush();
            return 1;
        }
        try (Writer w = out == null ? Stdout.writer(spec.commandLine().getOut())
                : Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            PriceSimulation.write(history, roster, hold, w, err);
        }
        return 0;
    }

    /** Publishes the simulated stream as the broker side would: votes when decided, closes later. */
    private int publish(DeskSimulator sim, PrintWriter err) throws IOException, InterruptedException {
        if (registryUrl == null) throw new ParameterException(spec.commandLine(), "--registry-url is required with --bootstrap-servers");
        if (out != null) throw new ParameterException(spec.commandLine(), "--out cannot be combined with --bootstrap-servers");
        if (closeLag < 0) throw new ParameterException(spec.commandLine(), "--close-lag: must be >= 0, was " + closeLag);
        if (!(rate >= 0) || Double.isInfinite(rate)) throw new ParameterException(spec.commandLine(), "--rate: must be a number >= 0, was " + rate);
        if (lingerMs < 0) throw new ParameterException(spec.commandLine(), "--linger-ms: must be >= 0, was " + lingerMs);
        ServiceConfig config;
        try {
            config = ServiceConfig.of(bootstrapServers, registryUrl).with(Map.of(ConfigParts.INPUT_KEYING, inputKeying));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Topics topics = Topics.of(config);
        KafkaClients clients = new KafkaClients(config);
        // the two input topics as the service would create them, ready before the first send
        try (Admin admin = clients.admin()) {
            TopicAdmin.createAndAwait(admin, topics.inputs(), config.replicationFactor());
        }
        Deque<FeedbackEvents.Pair> open = new ArrayDeque<>();
        long published = 0;
        long start = System.nanoTime();
        try (TradePublisher publisher = TradePublisher.batch(clients, topics, lingerMs)) {
            while (sim.hasNext()) {
                if (rate > 0) pace(start, published);
                FeedbackEvents.Pair pair;
                try {
                    pair = FeedbackEvents.parse(sim.next(), Instant.now());
                } catch (FeedbackEvents.Unmappable e) {
                    throw new IllegalStateException("the simulator wrote an unmappable trade: " + e.getMessage(), e);
                }
                publisher.publishVotes(pair);
                open.addLast(pair);
                if (open.size() > closeLag) publisher.publishClose(open.removeFirst());
                published++;
            }
            while (!open.isEmpty()) publisher.publishClose(open.removeFirst());
            publisher.flush();
        }
        err.printf(Locale.ROOT, "simulate: published %d trades to %s (%s, then %s)%n",
                published, bootstrapServers, topics.decisionVotes().name(), topics.tradeClosed().name());
        err.flush();
        return 0;
    }

    /** Sleeps until trade {@code published} is due at {@link #rate} trades a second from {@code start}. */
    private void pace(long start, long published) throws InterruptedException {
        long dueNanos = start + (long) (published * 1e9 / rate) - System.nanoTime();
        if (dueNanos > 0) java.util.concurrent.TimeUnit.NANOSECONDS.sleep(dueNanos);
    }
}
