/**
 * Configuration of the service and the writer: Kafka's {@code ConfigDef} definitions, the
 * config file and its {@code METALEARNER_*} environment overrides, durations. Uses {@code learn} for
 * the learner's settings; nothing of Kafka clients, the topology or the writer.
 */
package io.pim.metalearner.config;
