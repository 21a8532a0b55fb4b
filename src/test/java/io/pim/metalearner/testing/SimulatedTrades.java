package io.pim.metalearner.testing;

import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.tools.simulate.TradeSimulator;

import java.util.ArrayList;
import java.util.List;

/** Simulated trades through the same JSON parsing a user's file goes through. */
public final class SimulatedTrades {
    private SimulatedTrades() {
    }

    public static List<Trade> of(int n, long seed, TradeSimulator.Scenario scenario) {
        var sim = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, seed, scenario, n);
        List<Trade> trades = new ArrayList<>(n);
        while (sim.hasNext()) trades.add(FeedbackJson.parse(sim.next()));
        return trades;
    }
}
