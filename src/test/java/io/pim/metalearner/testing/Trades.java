package io.pim.metalearner.testing;

import io.pim.metalearner.avro.AgentVote;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.Direction;
import io.pim.metalearner.avro.TradeClosed;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test inputs: a decision's votes and its close, valid unless a test spoils them. */
public final class Trades {
    private Trades() {
    }

    public static DecisionVotes votes(String decisionId) {
        Map<String, AgentVote> votes = new LinkedHashMap<>();
        votes.put("TradingAgent", vote(Direction.LONG, 0.85, 10.0));
        votes.put("TechnicalAgent", vote(Direction.SHORT, 0.6, 5.0));
        votes.put("RiskAgent", vote(Direction.NEUTRAL, 0.5, 0.0));
        return DecisionVotes.newBuilder()
                .setDecisionId(decisionId).setWorkflowId("wf-" + decisionId).setSymbol("AAPL").setAction("BUY")
                .setDecidedAt(Instant.ofEpochMilli(1_700_000_000_000L)).setModelId(null)
                .setAgentVotes(votes).build();
    }

    public static AgentVote vote(Direction direction, double confidence, double positionSize) {
        return AgentVote.newBuilder().setDirection(direction).setConfidence(confidence).setPositionSize(positionSize).build();
    }

    public static TradeClosed close(String decisionId) {
        return close(decisionId, 150.0, 157.5);
    }

    public static TradeClosed close(String decisionId, double entry, double exit) {
        return TradeClosed.newBuilder()
                .setDecisionId(decisionId).setSymbol("AAPL").setEntryPrice(entry).setExitPrice(exit)
                .setActualProfit((exit - entry) * 10).setHoldDuration(5)
                .setClosedAt(Instant.ofEpochMilli(1_700_000_100_000L)).build();
    }
}
