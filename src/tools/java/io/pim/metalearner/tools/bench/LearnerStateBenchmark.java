package io.pim.metalearner.tools.bench;

import io.pim.metalearner.learn.trade.Direction;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the training processor pays per step besides the step itself: encoding the learner for the
 * store, hashing it for the fingerprint, and (without the in-memory copy) decoding it first.
 * Decides whether to fingerprint every step and whether to keep a decoded learner between steps.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LearnerStateBenchmark {
    private Learner learner;
    private Trade trade;
    private byte[] state;

    @Setup
    public void setUp() {
        learner = Learner.create(LearnerConfig.defaults());
        Map<String, Vote> votes = new LinkedHashMap<>();
        for (String agent : LearnerConfig.DEFAULT_ROSTER) votes.put(agent, new Vote(Direction.LONG, 0.7, 3.0));
        trade = new Trade("d-1", "AAPL", "BUY", 100.0, 101.0, votes);
        state = LearnerCodec.encode(learner);
    }

    @Benchmark
    public Object trainStep() {
        return learner.train(trade);
    }

    @Benchmark
    public byte[] encode() {
        return LearnerCodec.encode(learner);
    }

    @Benchmark
    public Learner decode() {
        return LearnerCodec.decode(state);
    }

    @Benchmark
    public byte[] sha256() throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(state);
    }
}
