/**
 * The Kafka plumbing that the topology, the writer, the API and the commands share: clients,
 * Avro serdes and limits, the topic registry and its admin, partitioning by model, dead letters, the
 * trade publisher and the rule for which outcome settles a published trade. Uses {@code config} and
 * {@code learn}; knows none of its users.
 */
package io.pim.metalearner.kafka;
