package io.pim.metalearner.learn;

/** The one place an engine name becomes an {@link Engine}. */
public final class Engines {
    private Engines() {
    }

    public static Engine create(String name, Network network, AdamState state) {
        return switch (name) {
            case "fast" -> new FastEngine(network, state);
            case "dl4j" -> new Dl4jEngine(network, state);
            default -> throw new IllegalArgumentException(
                    "engine: '" + name + "' is not one of " + String.join(", ", LearnerConfig.ENGINES));
        };
    }
}
