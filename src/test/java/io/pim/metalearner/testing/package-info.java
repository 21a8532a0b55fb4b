/**
 * Shared test support: JUnit extensions that start a broker, the registry and PostgreSQL once
 * per run, producers and consumers, topology fixtures, trade streams, and small helpers.
 */
package io.pim.metalearner.testing;
