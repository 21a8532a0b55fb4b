package io.pim.metalearner.config;

import java.util.Arrays;
import java.util.List;

/**
 * The contract producers of decision-votes and trade-closed keep ({@code input.keying}): what the
 * records are keyed, and so partitioned, by.
 */
public enum InputKeying {
    /** Keyed by decision id: any producer; the join and the training step are two tasks, two commits. */
    DECISION_ID("decision-id"),
    /** Keyed by model id like the training topic: the join and the step share a task, one commit. */
    MODEL_ID("model-id");

    public final String id;

    InputKeying(String id) {
        this.id = id;
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(k -> k.id).toList();
    }

    public static InputKeying of(String id) {
        for (InputKeying k : values()) if (k.id.equals(id)) return k;
        throw new IllegalArgumentException("input.keying is 'decision-id' or 'model-id', not '" + id + "'");
    }
}
