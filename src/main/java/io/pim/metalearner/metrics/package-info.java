/**
 * The Prometheus registry both processes (the service and the writer) expose on {@code /metrics}:
 * Micrometer's registry with the JVM and process metrics bound. Uses nothing of ours.
 */
package io.pim.metalearner.metrics;
