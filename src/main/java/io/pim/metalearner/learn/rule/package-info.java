/**
 * Committee weight rules: how agents' weights move after a close (the seed's EMA rule, Hedge)
 * and the linear rule that learns the weights by recursive least squares. Uses {@code learn.trade} and
 * {@code learn.predict}.
 */
package io.pim.metalearner.learn.rule;
