/**
 * Regime response: a Page-Hinkley drift detector on the learner's loss and what the learner
 * does when it fires (a higher learning rate for a while). Uses {@code learn.alert} and {@code learn.predict}.
 */
package io.pim.metalearner.learn.regime;
