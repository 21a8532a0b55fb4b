/**
 * Predictor families that can stand in for the original network as a candidate: the network
 * itself, an ensemble of networks, and ridge regression by recursive least squares. Uses
 * {@code learn.net} and {@code learn.trade}.
 */
package io.pim.metalearner.learn.predict;
