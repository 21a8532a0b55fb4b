package io.pim.metalearner.tools.bench;

import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.regime.RegimeResponse;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.tools.simulate.TradeSimulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The regime response measured on the simulator's {@code switch} scenario (every agent's skill
 * rotates half-way): for each learner, response and seed, how many trades after the switch the
 * rolling loss (mean prequential squared error over the last {@code --window} trades, all after the
 * switch) first comes back within 10 % of its level over the {@code --window} trades before the
 * switch. Prints one line per run and a table of the medians. A harness that prints figures, not a
 * test: see docs/BENCHMARKS.md for the command and the results.
 * <pre>
 * args: [--trades N] [--seeds S] [--window W] [--specs original,net] [--boost-factor F] [--boost-steps K]
 * </pre>
 */
public final class RegimeResponseBenchmark {

    public static void main(String[] args) {
        int trades = 20_000, seeds = 5, window = 500, boostSteps = RegimeResponse.DEFAULT_BOOST_STEPS;
        double boostFactor = RegimeResponse.DEFAULT_BOOST_FACTOR;
        String specs = "original,net";
        AlertConfig alerts = AlertConfig.defaults();
        double delta = alerts.driftDelta(), threshold = alerts.driftThreshold();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--trades" -> trades = Integer.parseInt(args[i + 1]);
                case "--seeds" -> seeds = Integer.parseInt(args[i + 1]);
                case "--window" -> window = Integer.parseInt(args[i + 1]);
                case "--specs" -> specs = args[i + 1];
                case "--boost-factor" -> boostFactor = Double.parseDouble(args[i + 1]);
                case "--boost-steps" -> boostSteps = Integer.parseInt(args[i + 1]);
                case "--drift-delta" -> delta = Double.parseDouble(args[i + 1]);
                case "--drift-threshold" -> threshold = Double.parseDouble(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        RegimeResponse.Drift drift = new RegimeResponse.Drift(delta, threshold, alerts.driftAlpha(),
                alerts.driftMinInstances(), alerts.driftClearSteps());
        List<String> responses = List.of("none", "reset-moments", "boost", "reset-moments,boost");
        System.out.printf(Locale.ROOT, "switch scenario: %d trades (switch after %d), seeds 1..%d, rolling window %d, boost x%s for %d steps, %s%n",
                trades, trades / 2, seeds, window, boostFactor, boostSteps, drift);
        System.out.println("spec\tresponse\tseed\trecovery_trades\tloss_ratio_first_2000\tresponses_before_switch\tresponses_after_switch");
        List<String> table = new ArrayList<>();
        for (String spec : specs.split(",")) {
            for (String response : responses) {
                List<Integer> recoveries = new ArrayList<>();
                List<Double> ratios = new ArrayList<>();
                List<String> detections = new ArrayList<>();
                double preLoss = 0;
                long before = 0, after = 0;
                for (long seed = 1; seed <= seeds; seed++) {
                    RegimeResponse r = RegimeResponse.of(List.of(response.split(",")), boostFactor, boostSteps, drift);
                    LearnerConfig config = LearnerSpec.parse(spec).applyTo(LearnerConfig.defaults()).withResponse(r);
                    Run run = run(config, seed, trades, window);
                    recoveries.add(run.recovery);
                    ratios.add(run.lossRatio);
                    before += run.responsesBefore;
                    preLoss += run.preSwitchLoss / seeds;
                    detections.add(run.firstResponse < 0 ? "-" : Integer.toString(run.firstResponse));
                    after += run.responsesAfter;
                    System.out.printf(Locale.ROOT, "%s\t%s\t%d\t%s\t%.3f\t%d\t%d%n", spec, response, seed,
                            run.recovery < 0 ? "never" : Integer.toString(run.recovery), run.lossRatio,
                            run.responsesBefore, run.responsesAfter);
                }
                table.add(String.format(Locale.ROOT, "| %s | %s | %.3e | %s | %s | %.3f | %d | %d | %s |", spec, response, preLoss,
                        String.join(", ", recoveries.stream().map(x -> x < 0 ? "never" : x.toString()).toList()), median(recoveries),
                        ratios.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), before, after,
                        response.equals("none") ? "" : String.join(", ", detections)));
            }
        }
        System.out.println();
        System.out.println("| learner | response | pre-switch loss (mean) | trades to recover, seeds 1.." + seeds + " | median | mean loss ratio, 2,000 trades "
                + "after the switch | responses before the switch | after | first response, trades after the switch |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        table.forEach(System.out::println);
    }

    private record Run(int recovery, double lossRatio, long responsesBefore, long responsesAfter, int firstResponse,
                       double preSwitchLoss) {
    }

    /** {@code firstResponse}: trades from the switch to the first response after it, -1 if none. */
    private static Run run(LearnerConfig config, long seed, int trades, int window) {
        var sim = new TradeSimulator(config.roster(), seed, TradeSimulator.Scenario.SWITCH, trades);
        Learner learner = Learner.create(config);
        int at = trades / 2;
        double[] error = new double[trades];
        long responsesBefore = 0;
        int firstAfter = -1;
        for (int i = 0; sim.hasNext(); i++) {
            Trade trade = FeedbackJson.parse(sim.next());
            StepResult r = learner.train(trade);
            error[i] = Math.pow(r.predictedReturn() - r.actualReturn(), 2);
            if (i == at - 1) responsesBefore = learner.regimeResponses();
            if (i >= at && learner.regimeResponses() > responsesBefore && firstAfter < 0) firstAfter = i + 1 - at;
        }
        double pre = mean(error, at - window, at);
        int recovery = -1;
        double sum = 0;
        for (int t = at; t < trades; t++) {
            sum += error[t];
            if (t - at >= window) sum -= error[t - window];
            if (t - at + 1 >= window && sum / window <= 1.1 * pre) {
                recovery = t - at + 1;
                break;
            }
        }
        double ratio = mean(error, at, Math.min(trades, at + 2000)) / pre;
        return new Run(recovery, ratio, responsesBefore, learner.regimeResponses() - responsesBefore, firstAfter, pre);
    }

    private static double mean(double[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += x[i];
        return s / (to - from);
    }

    private static String median(List<Integer> values) {
        // "never" counts as the longest
        List<Integer> sorted = values.stream().map(v -> v < 0 ? Integer.MAX_VALUE : v).sorted().toList();
        int m = sorted.get(sorted.size() / 2);
        return m == Integer.MAX_VALUE ? "never" : Integer.toString(m);
    }
}
