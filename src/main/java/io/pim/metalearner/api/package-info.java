/**
 * The HTTP API and the live dashboard: status, weights, feedback (a request that waits for
 * its trade's weights), predict, admin commands, health and metrics. Uses {@code stream},
 * {@code kafka}, {@code config} and {@code learn}; never the writer.
 */
package io.pim.metalearner.api;
