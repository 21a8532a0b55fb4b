package io.pim.metalearner.tools.bench;

import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.race.PromotionPolicy;
import io.pim.metalearner.learn.race.ShadowRace;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the race adds to a trade's step in the training task: one {@link ShadowRace#add}, the
 * policy's {@link ShadowRace#judge} (every candidate's standing over the window) and the
 * {@link ShadowRace#encode} written to the {@code candidate-race} store, with the default
 * candidates' real predictions on a simulated desk, window full. Run: see docs/BENCHMARKS.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class RaceBenchmark {
    private static final int TRADES = 4096;

    @Param({"1000"})
    public int window;

    private final List<double[]> steps = new ArrayList<>(TRADES);
    private ShadowRace race;
    private final PromotionPolicy policy = new PromotionPolicy("manual", 500, 0.01, 1000, false);
    private long step;

    @Setup
    public void setUp() {
        var sim = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, 1, TradeSimulator.Scenario.SKILLS, TRADES);
        List<Learner> learners = new ArrayList<>();
        learners.add(Learner.create(LearnerConfig.defaults()));
        for (String c : LearnerSpec.DEFAULT_CANDIDATES) learners.add(Learner.create(LearnerSpec.parse(c).applyTo(LearnerConfig.defaults())));
        while (sim.hasNext()) {
            Trade t = FeedbackJson.parse(sim.next());
            double[] row = new double[1 + 2 * learners.size() + 1];
            for (int i = 0; i < learners.size(); i++) {
                StepResult r = learners.get(i).train(t);
                row[0] = r.actualReturn();
                row[1 + 2 * i] = r.predictedReturn();
                row[2 + 2 * i] = learners.get(i).metrics().committeePnlLearned();
            }
            row[row.length - 1] = learners.get(0).metrics().committeePnlUniform();
            steps.add(row);
        }
        race = new ShadowRace(window);
        for (int i = 0; i < window; i++) raceStep();
    }

    private byte[] raceStep() {
        double[] row = steps.get((int) (step % TRADES));
        step++;
        List<ShadowRace.Entrant> candidates = new ArrayList<>(3);
        for (int i = 1; i < (row.length - 2) / 2; i++) {
            candidates.add(new ShadowRace.Entrant("c" + i, step, row[1 + 2 * i], row[2 + 2 * i]));
        }
        race.add(row[0], new ShadowRace.Entrant("live", step, row[1], row[2]), row[row.length - 1], candidates);
        race.judge(policy, step, false);
        return race.encode();
    }

    @Benchmark
    public byte[] raceOfOneTrade() {
        return raceStep();
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(RaceBenchmark.class.getName()).build()).run();
    }
}
