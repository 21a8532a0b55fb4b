package io.pim.metalearner.learn.trade;

/** One agent's vote on a decision. */
public record Vote(Direction direction, double confidence, double positionSize) {
}
