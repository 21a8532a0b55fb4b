/**
 * Alerts on a model's learning (drift, loss spikes, a silenced agent), with their
 * configuration and detectors. Uses nothing of the project outside it.
 */
package io.pim.metalearner.learn.alert;
