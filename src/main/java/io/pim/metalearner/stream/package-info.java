/**
 * The Kafka Streams topology: the join of votes and closes, the training processor that holds
 * each model's learner in a changelogged store under exactly-once, its outputs, the shadow races, and
 * the replay of a model's training topic. Also the command client that sends commands to it. Uses
 * {@code kafka}, {@code config} and {@code learn}; never the API, the writer or the command line.
 */
package io.pim.metalearner.stream;
