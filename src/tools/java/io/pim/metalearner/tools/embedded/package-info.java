/**
 * The embedded stack of the demo, the harness and the tests: one Kafka broker in this JVM,
 * the Apicurio registry as a child process, PostgreSQL, and the service and writer on top of them.
 */
package io.pim.metalearner.tools.embedded;
