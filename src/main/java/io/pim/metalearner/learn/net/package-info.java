/**
 * The original network (per-agent features, Dense 64/32 with dropout, tanh x 0.2, Adam,
 * global-norm clipping) and {@link io.pim.metalearner.learn.net.FastEngine}, its plain-Java engine, the
 * default. Uses {@code learn.trade} only.
 */
package io.pim.metalearner.learn.net;
