package io.pim.metalearner.cli;

import io.pim.metalearner.offline.CandidateRace;
import io.pim.metalearner.offline.TrainingRun;
import io.pim.metalearner.offline.Utf8Lines;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.trade.Trade;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Offline training: a fresh model learns from a file of trades, in the order the stream would see
 * them when they carry their instants ({@link TrainingRun}), with the same learner code the stream runs. Users backtest with it; it is also how the product is checked.
 */
@Command(name = "learn", mixinStandardHelpOptions = true,
        description = "Train a fresh model on a file of trades (one feedback JSON body per line) and "
                + "print one JSON object per trained trade.")
final class LearnCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SharedOptions.TradesInput input;

    @Mixin
    SharedOptions.OfflineLearner learnerFlags;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the per-trade lines here instead of stdout.")
    Path out;

    @Option(names = "--summary", paramLabel = "FILE", description = "Write a JSON summary of the run here.")
    Path summary;

    @Option(names = "--candidates", paramLabel = "SPECS", description = "Learner specs (comma-separated, or 'default') "
            + "that learn beside the main learner on the same trades; the summary gets a 'candidates' object.")
    String candidates;

    @Override
    public Integer call() throws IOException {
        Learner learner = learnerFlags.create(spec.commandLine());
        CandidateRace race = createRace(learner.config());
        input.refuseToOverwrite(spec.commandLine(), "--out", out);
        input.refuseToOverwrite(spec.commandLine(), "--summary", summary);
        PrintWriter err = spec.commandLine().getErr();

        Utf8Lines in = input.openOrSay("learn", err);
        if (in == null) return 1;
        TrainingRun.Outcome run;
        try (in; Writer w = out == null ? Stdout.writer(spec.commandLine().getOut())
                : Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            run = TrainingRun.run("learn", learner, in, err, new TrainingRun.Listener() {
                @Override
                public void trained(Trade trade, StepResult step, Metrics figures) throws IOException {
                    w.write(TrainingRun.MAPPER.writeValueAsString(line(step)));
                    w.write('\n');
                    if (race != null) race.train(trade); // after the main learner's timed step: untimed in its figures
                }

                @Override
                public void decided(Trade trade) {
                    if (race != null) race.decide(trade);
                }
            });
        }
        if (!run.unknownAgents().isEmpty()) {
            err.printf("learn: ignored votes of agents outside the roster: %s%n", run.unknownAgents());
        }
        ObjectNode s = run.summary();
        if (race != null) race.summarize(s.putObject("candidates"));
        if (summary != null) Files.writeString(summary, TrainingRun.MAPPER.writeValueAsString(s) + "\n", StandardCharsets.UTF_8);
        err.printf(Locale.ROOT, "learn: %d trades, %d trained, %d rejected; loss_last_1000 %s, r2_last_1000 %s, "
                        + "committee P&L learned %.4f vs uniform %.4f; fingerprint %s%n",
                run.trades(), run.trained(), run.trades() - run.trained(), s.get("loss_last_1000"), s.get("r2_last_1000"),
                run.figures().committeePnlLearned(), run.figures().committeePnlUniform(),
                s.get("fingerprint").asText());
        err.flush();
        return 0;
    }

    private CandidateRace createRace(LearnerConfig main) {
        if (candidates == null) return null;
        try {
            return new CandidateRace(candidates, main);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--candidates " + e.getMessage());
        }
    }

    /** The output line of one trained trade. */
    static ObjectNode line(StepResult r) {
        return TrainingRun.line(r);
    }
}
