/**
 * The shadow race between the live model and its candidates on the same trades, the
 * Diebold-Mariano test that compares them, and the policy that promotes a winner. Uses {@code learn.alert}.
 */
package io.pim.metalearner.learn.race;
