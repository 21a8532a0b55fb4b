package io.pim.metalearner.learn.net;

import io.pim.metalearner.learn.trade.Vote;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a decision's votes into the network's input: per agent of the roster, in roster order,
 * direction sign, confidence and position size. An agent without a vote contributes zeros; votes
 * of agents outside the roster are ignored and reported, so the caller can count them.
 */
public final class Features {
    private final List<String> roster;
    private final Map<String, Integer> index = new HashMap<>();

    public Features(List<String> roster) {
        this.roster = List.copyOf(roster);
        for (int i = 0; i < this.roster.size(); i++) index.put(this.roster.get(i), i);
    }

    public int size() {
        return roster.size() * Network.FEATURES_PER_AGENT;
    }

    /**
     * @param values        the 3N network inputs
     * @param votes         the vote of each roster agent, by roster index; null where it did not vote
     * @param unknownAgents names of voters outside the roster, in vote order
     */
    public record Encoded(float[] values, Vote[] votes, List<String> unknownAgents) {
    }

    public Encoded encode(Map<String, Vote> votes) {
        float[] values = new float[size()];
        Vote[] byAgent = new Vote[roster.size()];
        List<String> unknown = List.of();
        for (Map.Entry<String, Vote> e : votes.entrySet()) {
            Integer i = index.get(e.getKey());
            if (i == null) {
                if (unknown.isEmpty()) unknown = new ArrayList<>();
                unknown.add(e.getKey());
                continue;
            }
            Vote v = e.getValue();
            byAgent[i] = v;
            int at = i * Network.FEATURES_PER_AGENT;
            values[at] = v.direction().sign;
            values[at + 1] = (float) v.confidence();
            values[at + 2] = (float) v.positionSize();
        }
        return new Encoded(values, byAgent, unknown.isEmpty() ? List.of() : List.copyOf(unknown));
    }
}
