package io.pim.metalearner.learn;

/** The one place an engine name becomes an {@link Engine}. */
public final class Engines {
    private Engines() {
    }

    public static Engine create(String name, Network network, AdamState state) {
        return switch (name) {
            case "fast" -> new FastEngine(network, state);
            // Replaced by `new Dl4jEngine(network, state)` when the DL4J engine is merged.
            case "dl4j" -> throw new IllegalArgumentException(
                    "engine: dl4j is not available in this build (use fast)");
            default -> throw new IllegalArgumentException(
                    "engine: '" + name + "' is not one of " + String.join(", ", LearnerConfig.ENGINES));
        };
    }
}
