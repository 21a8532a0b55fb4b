package io.pim.metalearner.tools.bench;

import java.util.concurrent.TimeUnit;

import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.dl4j.Dl4jEngine;
import io.pim.metalearner.learn.net.Engine;
import io.pim.metalearner.learn.net.FastEngine;
import io.pim.metalearner.learn.net.Network;
import io.pim.metalearner.learn.net.Rng;
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

/**
 * One training step (forward with dropout, backward, global-norm clip, Adam) of each engine on
 * the default roster of 9 agents (27 inputs), one thread. SampleTime gives the median and p99 of
 * single steps, which is what a trade waits for. Run: see docs/BENCHMARKS.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(2)
@Threads(1)
public class EngineBenchmark {
    private static final int EXAMPLES = 1024; // a ring of realistic examples, so no step sees a constant input

    @Param({"fast", "dl4j"})
    public String engine;

    private Engine learner;
    private final float[][] features = new float[EXAMPLES][], mask1 = new float[EXAMPLES][], mask2 = new float[EXAMPLES][];
    private final float[] targets = new float[EXAMPLES];
    private int next;

    @Setup
    public void setUp() {
        Network net = new Network(9);
        Rng rng = new Rng(1);
        AdamState start = AdamState.fresh(net.initialParams(rng));
        learner = engine.equals("dl4j") ? new Dl4jEngine(net, start) : new FastEngine(net, start);
        for (int e = 0; e < EXAMPLES; e++) {
            float[] x = new float[net.inputs];
            for (int a = 0; a < 9; a++) {
                x[3 * a] = (int) (rng.nextDouble() * 3) - 1;      // direction −1, 0, +1
                x[3 * a + 1] = rng.nextFloat();                    // confidence
                x[3 * a + 2] = 1 + 19 * rng.nextFloat();           // position size
            }
            features[e] = x;
            targets[e] = (float) ((rng.nextDouble() * 2 - 1) * 0.05); // a return of up to ±5%
            mask1[e] = Network.dropoutMask(Network.HIDDEN1, rng);
            mask2[e] = Network.dropoutMask(Network.HIDDEN2, rng);
        }
    }

    @Benchmark
    public float trainStep() {
        int e = next;
        next = (e + 1) & (EXAMPLES - 1);
        return learner.trainStep(features[e], targets[e], mask1[e], mask2[e]);
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(EngineBenchmark.class.getName()).build()).run();
    }
}
