package io.pim.metalearner.learn.score;

/**
 * One agent's record (the seed's agent_performance row).
 *
 * @param decisions             LONG or SHORT votes on trained trades (NEUTRAL is not a decision)
 * @param accuracy              share of those whose direction matched the price move; 0 when none
 * @param avgProfitContribution mean of direction·confidence·price move over those votes; 0 when none
 * @param weight                current committee weight
 */
public record AgentStats(long decisions, double accuracy, double avgProfitContribution, double weight) {
}
