/**
 * The product's commands (picocli): run, writer, migrate, create-topics, the model commands an
 * operator runs against a live cluster (export, import, reset, rollback, promote, compare, replay,
 * pretrain), learn and evaluate. May use every product package; nothing uses it.
 */
package io.pim.metalearner.cli;
