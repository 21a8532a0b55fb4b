/**
 * The learner of one model: {@link io.pim.metalearner.learn.Learner} takes one training step per
 * closed trade and keeps the agents' committee weights, with its configuration, its variants and the
 * byte codec of its state (what the changelogged store and the checkpoints hold). Plain Java: it may
 * use its sub-packages and Jackson, and nothing of Kafka, SQL, HTTP or the command line.
 */
package io.pim.metalearner.learn;
