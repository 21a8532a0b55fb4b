package io.pim.metalearner.learn;

import io.pim.metalearner.learn.dl4j.Dl4jEngine;
import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.net.Engine;
import io.pim.metalearner.learn.net.FastEngine;
import io.pim.metalearner.learn.net.Network;

/** The one place an engine name becomes an {@link Engine}. */
public final class Engines {
    private Engines() {
    }

    /** Set by the container image built without ND4J's native libraries (see the Dockerfile). */
    static final String NO_NATIVES_HINT = "the dl4j engine (and export) need ND4J's native libraries, which this "
            + "installation lacks; the container image carries them only when built with --build-arg WITH_DL4J=true";

    public static Engine create(String name, Network network, AdamState state) {
        return switch (name) {
            case "fast" -> new FastEngine(network, state);
            case "dl4j" -> {
                try {
                    yield new Dl4jEngine(network, state);
                } catch (LinkageError e) {
                    throw new IllegalStateException(NO_NATIVES_HINT + " (" + e + ")", e);
                }
            }
            default -> throw new IllegalArgumentException(
                    "engine: '" + name + "' is not one of " + String.join(", ", LearnerConfig.ENGINES));
        };
    }

    /**
     * Fails at start, with the reason, when {@code name} cannot run here; a service would otherwise
     * fail only at its first trade, inside a stream thread.
     */
    public static void checkAvailable(String name) {
        if (!"dl4j".equals(name)) return;
        try {
            Dl4jEngine.loadNatives();
        } catch (LinkageError | RuntimeException e) {
            throw new IllegalStateException(NO_NATIVES_HINT + " (" + e + ")", e);
        }
    }
}
