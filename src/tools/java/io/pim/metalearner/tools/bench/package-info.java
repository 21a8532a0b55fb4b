/**
 * Benchmarks, each named {@code *Benchmark}: JMH benchmarks and harnesses that print figures.
 * docs/BENCHMARKS.md has the command that runs each and its current numbers.
 */
package io.pim.metalearner.tools.bench;
