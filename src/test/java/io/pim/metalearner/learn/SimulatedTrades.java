package io.pim.metalearner.learn;

import io.pim.metalearner.ops.TradeSimulator;

import java.util.ArrayList;
import java.util.List;

/** Simulated trades through the same JSON parsing a user's file goes through. */
final class SimulatedTrades {
    private SimulatedTrades() {
    }

    static List<Trade> of(int n, long seed, TradeSimulator.Scenario scenario) {
        var sim = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, seed, scenario, n);
        List<Trade> trades = new ArrayList<>(n);
        while (sim.hasNext()) trades.add(FeedbackJson.parse(sim.next()));
        return trades;
    }
}
