package io.pim.metalearner.tools.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.score.Evaluation;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.offline.TrainingRun;
import io.pim.metalearner.offline.Utf8Lines;
import io.pim.metalearner.offline.report.EvaluationReport;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Learners on trade files of {@code simulate --prices}, in decision time (the lines as written) and
 * in file order (the same lines without {@code decided_at} and {@code closed_at}), through the same
 * {@link TrainingRun} as {@code learn}: per file, order and learner, R² after the report's warm-up
 * and over the last 1,000 trades, the committee P&amp;L with learned and uniform weights, and
 * learned − uniform over its Newey–West standard error (Bartlett weights, lag = the most trades
 * decided while one is open, so overlapping holds and same-day decisions are covered). Prints a
 * Markdown table; docs/BENCHMARKS.md has the command and the results.
 * <pre>
 * args: FILE.jsonl... [--specs original,seed-hedge,ridge,ridge-tracking,net-batch8]
 * </pre>
 */
public final class PriceBacktestBenchmark {

    public static void main(String[] args) throws Exception {
        List<String> files = new ArrayList<>();
        String specs = "original,seed-hedge,default";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--specs")) specs = args[++i];
            else files.add(args[i]);
        }
        System.out.println("| file | learner | order | R² after warm-up | r2_last_1000 | committee P&L learned | uniform "
                + "| learned − uniform (t) | non-finite predictions |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (String file : files) {
            List<String> timed = Files.readAllLines(Path.of(file)), untimed = new ArrayList<>();
            for (String line : timed) {
                ObjectNode o = (ObjectNode) TrainingRun.MAPPER.readTree(line);
                o.remove(List.of("decided_at", "closed_at"));
                untimed.add(o.toString());
            }
            int lag = overlap(timed);
            for (LearnerSpec spec : LearnerSpec.parseList(specs)) {
                row(file, spec, "decision time", timed, lag);
                row(file, spec, "file", untimed, lag);
            }
        }
    }

    private static void row(String file, LearnerSpec spec, String order, List<String> lines, int lag) throws Exception {
        Learner learner = Learner.create(spec.applyTo(LearnerConfig.defaults()));
        var ev = new Evaluation(learner.config().roster());
        byte[] bytes = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        TrainingRun.Outcome run;
        try (var in = new Utf8Lines(new ByteArrayInputStream(bytes))) {
            run = TrainingRun.run("bench", learner, in, new PrintWriter(new StringWriter()), (t, step, figures) -> ev.add(step, figures));
        }
        double[] learned = ev.pnlLearned(), uniform = ev.pnlUniform(), gain = new double[ev.size()];
        for (int i = 0; i < gain.length; i++) {
            gain[i] = learned[i] - uniform[i] - (i == 0 ? 0 : learned[i - 1] - uniform[i - 1]);
        }
        double l = learned[learned.length - 1], u = uniform[uniform.length - 1];
        long nonFinite = Arrays.stream(ev.predicted()).filter(p -> !Double.isFinite(p)).count();
        Double r2 = ev.r2(EvaluationReport.warmUp(ev.size()));
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %.3f | %.3f | %+.3f (%+.2f) | %d |%n", Path.of(file).getFileName(),
                spec.name(), order, r2 == null ? "–" : String.format(Locale.ROOT, "%.3f", r2),
                String.format(Locale.ROOT, "%.3f", run.summary().get("r2_last_1000").asDouble()), l, u, l - u,
                (l - u) / neweyWestSe(gain, lag), nonFinite);
    }

    /** The most trades decided while one trade is open (its own decision included): the lag the outcomes overlap by. */
    static int overlap(List<String> timed) {
        List<Instant[]> t = new ArrayList<>();
        for (String line : timed) {
            FeedbackJson.Timed x = FeedbackJson.parseTimed(line);
            t.add(new Instant[]{x.decidedAt(), x.closedAt()});
        }
        int most = 1;
        for (Instant[] a : t) {
            int open = 0;
            for (Instant[] b : t) if (!b[0].isBefore(a[0]) && b[0].isBefore(a[1])) open++;
            most = Math.max(most, open);
        }
        return most;
    }

    /** Standard error of the sum of {@code x}, Newey–West with Bartlett weights up to {@code lag}. */
    static double neweyWestSe(double[] x, int lag) {
        int n = x.length;
        double mean = Arrays.stream(x).sum() / n, variance = 0;
        for (int k = 0; k <= Math.min(lag, n - 1); k++) {
            double g = 0;
            for (int i = k; i < n; i++) g += (x[i] - mean) * (x[i - k] - mean);
            variance += (k == 0 ? 1 : 2 * (1 - k / (lag + 1.0))) * g / n;
        }
        return Math.sqrt(variance * n);
    }
}
