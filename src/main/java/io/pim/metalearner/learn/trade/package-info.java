/**
 * A trade as the learner sees it (the agents' votes and the close), its validation, the
 * reasons a trade is refused, and the JSON body of the feedback API. Uses nothing of the project outside it.
 */
package io.pim.metalearner.learn.trade;
