/**
 * The Deeplearning4j engine of the same network, and the export of a model to DL4J's format:
 * the only package that imports DL4J or ND4J, so the rest runs without their native libraries.
 * Uses {@code learn.net}.
 */
package io.pim.metalearner.learn.dl4j;
