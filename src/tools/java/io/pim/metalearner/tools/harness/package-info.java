/**
 * The multi-process harness ({@code bin/harness}): a Kafka or PostgreSQL node as a process of its
 * own, the chaos check that reconciles every trade after SIGKILLs, and fuzz.
 */
package io.pim.metalearner.tools.harness;
