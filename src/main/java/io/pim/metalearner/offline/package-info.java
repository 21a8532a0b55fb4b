/**
 * Offline learning: a file of trades replayed through a learner, or a race of candidates on
 * it, with the figures a run reports; in decision time when the trades carry the instants they were
 * decided and closed at, as the stream would have seen them. Uses {@code learn}.
 */
package io.pim.metalearner.offline;
