package io.pim.metalearner.ops;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.learn.FeedbackJson;
import io.pim.metalearner.learn.InvalidTradeException;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.Metrics;
import io.pim.metalearner.learn.Rejection;
import io.pim.metalearner.learn.StepResult;
import io.pim.metalearner.learn.Trade;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * Offline training: a fresh model learns from a file of trades, in file order, with the same
 * learner code the stream runs. Users backtest with it; it is also how the product is checked.
 */
@Command(name = "learn", mixinStandardHelpOptions = true,
        description = "Train a fresh model on a file of trades (one feedback JSON body per line) and "
                + "print one JSON object per trained trade.")
final class LearnCommand implements Callable<Integer> {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(SerializationFeature.INDENT_OUTPUT).build();

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl", description = "Trades; '-' reads stdin.")
    String input;

    @Option(names = "--agents", split = ",", paramLabel = "A,B,...", description = "Roster in feature order (default: the seed's nine agents).")
    List<String> agents;

    @Mixin
    SharedOptions.LearnerChoice choice;

    @Option(names = "--window", defaultValue = "50", paramLabel = "TRADES", description = "Rolling metric window. Default ${DEFAULT-VALUE}.")
    int window;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the per-trade lines here instead of stdout.")
    Path out;

    @Option(names = "--summary", paramLabel = "FILE", description = "Write a JSON summary of the run here.")
    Path summary;

    @Option(names = "--candidates", paramLabel = "SPECS", description = "Learner specs (comma-separated, or 'default') "
            + "that learn beside the main learner on the same trades; the summary gets a 'candidates' object.")
    String candidates;

    @Override
    public Integer call() throws IOException {
        Learner learner = createLearner();
        CandidateRace race = createRace(learner.config());
        refuseToOverwriteTheInput("--out", out);
        refuseToOverwriteTheInput("--summary", summary);
        PrintWriter err = spec.commandLine().getErr();
        var rejected = new EnumMap<Rejection, Integer>(Rejection.class);
        var unknownAgents = new TreeMap<String, Integer>();
        Set<String> trained = new HashSet<>();
        var run = new RunFigures();

        Utf8Lines in;
        try {
            in = openInput();
        } catch (IOException e) {
            err.printf("metalearner learn: cannot read --input %s: %s%n", input, describe(e));
            err.flush();
            return 1;
        }
        try (in; Writer w = out == null ? SimulateCommand.nonClosing(spec.commandLine().getOut())
                : Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            while (in.advance()) {
                String line = in.text();
                if (line != null && line.isBlank()) continue;
                run.trades++;
                StepResult r;
                long stepNanos;
                try {
                    if (line == null) throw new InvalidTradeException(Rejection.UNREADABLE, "not valid UTF-8");
                    Trade trade = FeedbackJson.parse(line);
                    if (trained.contains(trade.decisionId())) {
                        throw new InvalidTradeException(Rejection.DUPLICATE,
                                "decision_id " + trade.decisionId() + " was already trained on");
                    }
                    long t0 = System.nanoTime();
                    r = learner.train(trade); // may refuse a step it cannot take, unchanged
                    stepNanos = System.nanoTime() - t0;
                    trained.add(trade.decisionId());
                    if (race != null) race.train(trade); // after the main learner, untimed in its figures
                } catch (InvalidTradeException e) {
                    rejected.merge(e.reason(), 1, Integer::sum);
                    err.printf("learn: line %d rejected (%s): %s%n", in.number(), e.reason().code, e.getMessage());
                    continue;
                }
                run.add(stepNanos, r);
                for (String agent : r.unknownAgents()) unknownAgents.merge(agent, 1, Integer::sum);
                w.write(MAPPER.writeValueAsString(line(r)));
                w.write('\n');
            }
        }
        if (!unknownAgents.isEmpty()) {
            err.printf("learn: ignored votes of agents outside the roster: %s%n", unknownAgents);
        }
        ObjectNode s = summary(learner, run, rejected);
        if (race != null) race.summarize(s.putObject("candidates"));
        if (summary != null) Files.writeString(summary, MAPPER.writeValueAsString(s) + "\n", StandardCharsets.UTF_8);
        err.printf(Locale.ROOT, "learn: %d trades, %d trained, %d rejected; loss_last_1000 %s, r2_last_1000 %s, "
                        + "committee P&L learned %.4f vs uniform %.4f; fingerprint %s%n",
                run.trades, run.trained, run.trades - run.trained, s.get("loss_last_1000"), s.get("r2_last_1000"),
                learner.metrics().committeePnlLearned(), learner.metrics().committeePnlUniform(),
                s.get("fingerprint").asText());
        err.flush();
        return 0;
    }

    private Learner createLearner() {
        try {
            var config = choice.applyTo(LearnerConfig.defaults().withRoster(LearnerFlags.roster(agents)).withWindow(window));
            return Learner.create(config);
        } catch (IllegalArgumentException e) {
            throw LearnerFlags.usageError(spec.commandLine(), e);
        }
    }

    private CandidateRace createRace(LearnerConfig main) {
        if (candidates == null) return null;
        try {
            return new CandidateRace(candidates, main);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--candidates " + e.getMessage());
        }
    }

    /** Writing would truncate the input before it is read: refuse, whatever the two paths look like. */
    private void refuseToOverwriteTheInput(String option, Path target) {
        if (target == null || input.equals("-")) return;
        Path source = Path.of(input);
        boolean same;
        try {
            same = Files.exists(source) && Files.exists(target) && Files.isSameFile(source, target);
        } catch (IOException e) {
            same = false; // then opening one of them fails, and says why
        }
        if (same) {
            throw new ParameterException(spec.commandLine(), option + " " + target + " is the input file ("
                    + input + "); writing it would destroy the trades before they are read");
        }
    }

    private Utf8Lines openInput() throws IOException {
        if (input.equals("-")) return new Utf8Lines(System.in);
        Path path = Path.of(input);
        if (Files.isDirectory(path)) throw new IOException("is a directory");
        return new Utf8Lines(Files.newInputStream(path));
    }

    /** What the user needs to know, not the exception's class name. */
    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file";
        if (e instanceof AccessDeniedException) return "permission denied";
        return e.getMessage();
    }

    /** The output line of one trained trade. */
    static ObjectNode line(StepResult r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("training_step", r.step());
        o.put("decision_id", r.decisionId());
        putNumber(o, "predicted_return", r.predictedReturn());
        putNumber(o, "actual_return", r.actualReturn());
        putNumber(o, "loss", r.loss());
        putNumbers(o.putObject("agent_weights"), r.agentWeights());
        return o;
    }

    /** JSON has no NaN or infinity (Jackson would write the string "NaN"): such a value is null. */
    static void putNumber(ObjectNode o, String field, Double value) {
        if (value == null || !Double.isFinite(value)) o.putNull(field);
        else o.put(field, value);
    }

    /** The same for a float, written as the float it is (its shortest decimal). */
    static void putNumber(ObjectNode o, String field, float value) {
        if (!Float.isFinite(value)) o.putNull(field);
        else o.put(field, value);
    }

    private static void putNumbers(ObjectNode o, Map<String, Double> values) {
        values.forEach((field, value) -> putNumber(o, field, value));
    }

    private static ObjectNode summary(Learner learner, RunFigures run, Map<Rejection, Integer> rejected) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("trades", run.trades);
        o.put("trained", run.trained);
        ObjectNode reasons = o.putObject("rejected");
        rejected.forEach((reason, count) -> reasons.put(reason.code, count));
        putNumber(o, "median_step_us", run.stepMicros(0.50));
        putNumber(o, "p99_step_us", run.stepMicros(0.99));
        putNumber(o, "loss_first_100", run.loss(true, 100));
        putNumber(o, "loss_last_1000", run.loss(false, 1000));
        putNumber(o, "r2_first_100", run.r2(true, 100));
        putNumber(o, "r2_last_1000", run.r2(false, 1000));
        Metrics m = learner.metrics();
        putNumber(o, "committee_pnl_learned", m.committeePnlLearned());
        putNumber(o, "committee_pnl_uniform", m.committeePnlUniform());
        putNumbers(o.putObject("agent_weights"), learner.weights());
        o.put("fingerprint", learner.fingerprint());
        return o;
    }
}
