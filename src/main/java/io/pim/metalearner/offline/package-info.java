/**
 * Offline learning: a file of trades replayed through a learner, or a race of candidates on
 * it, with the figures a run reports. Uses {@code learn}.
 */
package io.pim.metalearner.offline;
