/**
 * The JDBI writer: lands the service's outputs in PostgreSQL in batches, with the source
 * offsets in the same transaction, its migrations, health and the queries of the landed history.
 * Uses {@code kafka}, {@code config} and {@code learn}.
 */
package io.pim.metalearner.sink;
