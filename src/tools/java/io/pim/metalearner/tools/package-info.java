/**
 * The developer's launcher: the product's commands plus the demo, the simulator and fuzz
 * ({@code bin/metalearner}). Tools live in {@code src/tools}, compiled with the tests, and never ship
 * in the product's jar or image; they may use any product package, never the reverse.
 */
package io.pim.metalearner.tools;
