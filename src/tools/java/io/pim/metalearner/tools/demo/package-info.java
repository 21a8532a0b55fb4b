/**
 * The demo: a simulated desk through the whole embedded stack, watched until every trade has
 * its outcome, with a summary of what the model learned.
 */
package io.pim.metalearner.tools.demo;
