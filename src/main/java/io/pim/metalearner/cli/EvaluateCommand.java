package io.pim.metalearner.cli;

import io.pim.metalearner.offline.TrainingRun;
import io.pim.metalearner.offline.Utf8Lines;
import io.pim.metalearner.offline.report.EvaluationReport;
import io.pim.metalearner.learn.score.Evaluation;
import io.pim.metalearner.learn.Learner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code learn}'s run (the same {@link TrainingRun}, the same flags), seen by a person: an HTML
 * report of what learning did for the committee and whether the model can predict.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Train a fresh model on a file of trades as 'learn' does and write a self-contained HTML report.")
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SharedOptions.TradesInput input;

    @Mixin
    SharedOptions.OfflineLearner learnerFlags;

    @Option(names = "--report", required = true, paramLabel = "FILE.html", description = "Where to write the report.")
    Path report;

    @Override
    public Integer call() throws IOException {
        Learner learner = learnerFlags.create(spec.commandLine());
        input.refuseToOverwrite(spec.commandLine(), "--report", report);
        PrintWriter err = spec.commandLine().getErr();
        Utf8Lines in = input.openOrSay("evaluate", err);
        if (in == null) return 1;
        var ev = new Evaluation(learner.config().roster());
        TrainingRun.Outcome run;
        try (in) {
            run = TrainingRun.run("evaluate", learner, in, err, (trade, step, figures) -> ev.add(step, figures));
        }
        if (!run.unknownAgents().isEmpty()) {
            err.printf("evaluate: ignored votes of agents outside the roster: %s%n", run.unknownAgents());
        }
        String name = input.input.equals("-") ? "stdin" : Path.of(input.input).getFileName().toString();
        Files.writeString(report, EvaluationReport.render(name, learner.config(), ev, learner.agentStats(), run.order(), run.summary()),
                StandardCharsets.UTF_8);
        Double r2 = ev.r2(EvaluationReport.warmUp(ev.size()));
        err.printf(Locale.ROOT, "evaluate: %d trades, %d trained in %s order; R² %s; committee P&L learned %.4f vs uniform %.4f; "
                        + "report %s%n",
                run.trades(), run.trained(), run.order().code, r2 == null ? "undefined" : String.format(Locale.ROOT, "%.4f", r2),
                run.figures().committeePnlLearned(), run.figures().committeePnlUniform(), report);
        err.flush();
        return 0;
    }
}
