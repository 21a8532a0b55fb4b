/**
 * Trade simulators: seeded synthetic desks, and backtests of classical technical agents on
 * real daily prices, written as trade files or published to a running cluster.
 */
package io.pim.metalearner.tools.simulate;
