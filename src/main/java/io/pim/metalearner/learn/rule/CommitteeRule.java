package io.pim.metalearner.learn.rule;

import io.pim.metalearner.learn.trade.Vote;
import java.nio.ByteBuffer;

/**
 * How the committee's weights move after a trade, over the whole roster at once: a per-agent
 * {@link WeightRule} applied to each voter, or a rule that weighs the agents against each other
 * ({@link LinearRule}). A stateful rule keeps its state in the learner state.
 */
public interface CommitteeRule {

    /**
     * @param weights   every agent's weight before this trade, updated in place
     * @param votes     by roster index; null where the agent did not vote
     * @param priceMove the raw price move (see {@link WeightRule#update})
     */
    void update(double[] weights, Vote[] votes, double priceMove);

    /** Bytes of the rule's own state (0 for a stateless rule). */
    /** Whether the rule's own state is finite (the weights it writes are clipped anyway); see {@link LinearRule}. */
    default boolean finite() {
        return true;
    }

    default int stateSize() {
        return 0;
    }

    default void encode(ByteBuffer out) {
    }

    default void decode(ByteBuffer in) {
    }

    /** The rule named {@code name} over {@code agents} agents; {@code hedgeRate} is the hedge rule's. */
    static CommitteeRule of(String name, int agents, double hedgeRate) {
        if (LinearRule.nameOf(name).equals("linear")) {
            return new LinearRule(agents, LinearRule.forgetOf(name));
        }
        WeightRule rule = WeightRule.of(name, hedgeRate);
        // each weight depends only on its own agent's vote: the seed's loop, agent by agent
        return (weights, votes, priceMove) -> {
            for (int i = 0; i < votes.length; i++) {
                if (votes[i] != null) weights[i] = rule.update(weights[i], votes[i], priceMove);
            }
        };
    }
}
