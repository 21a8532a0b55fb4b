/**
 * The evaluation report: a self-contained HTML page with its SVG charts. Uses
 * {@code offline} and {@code learn}.
 */
package io.pim.metalearner.offline.report;
