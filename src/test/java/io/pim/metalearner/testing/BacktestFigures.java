package io.pim.metalearner.testing;

import io.pim.metalearner.offline.TrainingRun;
import io.pim.metalearner.offline.Utf8Lines;
import io.pim.metalearner.offline.report.EvaluationReport;
import io.pim.metalearner.learn.score.Evaluation;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Prints the figures docs/BENCHMARKS.md reports for trade files (simulated or from simulate --prices):
 * per file and weight rule, the R² of the prequential predictions, the committee P&L with learned
 * and uniform weights, and the gated P&L, all from the code {@code learn} and {@code evaluate} run
 * (in decision time when the trades carry their instants, as there).
 * Not a test: {@code java -cp ... io.pim.metalearner.testing.BacktestFigures FILE.jsonl...}.
 */
public final class BacktestFigures {
    private static final double[] GATES = {Double.NEGATIVE_INFINITY, 0, 0.001, 0.0025};

    public static void main(String[] args) throws Exception {
        System.out.println("| file | rule | trades | R² (after warm-up) | r2_last_1000 | direction accuracy | committee P&L learned | uniform "
                + "| gated: all | > 0 | > 0.1% | > 0.25% |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (String file : args) {
            for (String rule : List.of("seed-ema", "hedge")) row(Path.of(file), rule);
        }
    }

    private static void row(Path file, String rule) throws Exception {
        Learner learner = Learner.create(LearnerConfig.defaults().withRule(rule));
        var ev = new Evaluation(learner.config().roster());
        TrainingRun.Outcome run;
        try (var in = new Utf8Lines(Files.newInputStream(file))) {
            run = TrainingRun.run("figures", learner, in, new PrintWriter(new StringWriter()), (t, step, figures) -> ev.add(step, figures));
        }
        int from = EvaluationReport.warmUp(ev.size());
        var out = new StringBuilder(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %.3f | %.3f | %.3f |", file.getFileName(), rule,
                run.trained(), fmt(ev.r2(from)), run.summary().get("r2_last_1000"), ev.directionAccuracy(from),
                run.figures().committeePnlLearned(), run.figures().committeePnlUniform()));
        for (double g : GATES) {
            Evaluation.Gate gate = ev.gate(g);
            out.append(String.format(Locale.ROOT, " %.3f (%d, %+.5f/trade) |", gate.pnl(), gate.taken(),
                    gate.taken() == 0 ? 0 : gate.pnl() / gate.taken()));
        }
        System.out.println(out);
    }

    private static String fmt(Double v) {
        return v == null ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }
}
