/**
 * What a step and a decision score, and the history kept of it: step results, running metrics
 * (loss, R-squared, committee P&L), the learning curve and recent decision scores the dashboard draws,
 * and the offline evaluation. Uses nothing of the project outside it.
 */
package io.pim.metalearner.learn.score;
