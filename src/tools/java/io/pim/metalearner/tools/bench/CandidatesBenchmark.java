package io.pim.metalearner.tools.bench;

import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.trade.Trade;
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
 * One whole {@link Learner#train} step (features, prediction, the model's update, weight rule,
 * metrics) of the original learner alone, of each variant alone, and of the original with the
 * {@code --candidates default} set learning the same trade beside it: what a trade costs when
 * candidates race the live model. Simulated trades (skills scenario), one thread. Run: see docs/BENCHMARKS.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class CandidatesBenchmark {
    private static final int TRADES = 4096;

    /** A preset, or {@code original+default}: the original with the default candidates. */
    @Param({"original", "original+default", "ridge", "ridge-tracking", "net", "net-batch8", "ensemble"})
    public String learners;

    private Learner[] models;
    private final List<Trade> trades = new ArrayList<>(TRADES);
    private int next;

    @Setup
    public void setUp() {
        var sim = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, 1, TradeSimulator.Scenario.SKILLS, TRADES);
        while (sim.hasNext()) trades.add(FeedbackJson.parse(sim.next()));
        List<String> specs = new ArrayList<>();
        if (learners.equals("original+default")) {
            specs.add(LearnerSpec.ORIGINAL);
            specs.addAll(LearnerSpec.DEFAULT_CANDIDATES);
        } else {
            specs.add(learners);
        }
        models = specs.stream().map(s -> Learner.create(LearnerSpec.parse(s).applyTo(LearnerConfig.defaults())))
                .toArray(Learner[]::new);
    }

    @Benchmark
    public long trainStep() {
        Trade t = trades.get(next);
        next = (next + 1) % TRADES;
        long steps = 0;
        for (Learner m : models) steps += m.train(t).step();
        return steps;
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(CandidatesBenchmark.class.getName()).build()).run();
    }
}
