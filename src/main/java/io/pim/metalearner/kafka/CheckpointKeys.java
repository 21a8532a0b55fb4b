package io.pim.metalearner.kafka;

import java.util.Locale;
import java.util.Optional;

/**
 * Keys of checkpoints, in the checkpoints store and topic: {@code model_id@step} with the step
 * zero-padded to 20 digits, so byte order is step order within a model and a range scan finds
 * "the newest checkpoint at or before step S". A model id may itself contain '@': a key belongs to
 * a model only if exactly the 20 digits follow its id and '@' ({@link #step}).
 */
public final class CheckpointKeys {
    private static final int DIGITS = 20;

    private CheckpointKeys() {
    }

    public static String key(String modelId, long step) {
        return modelId + "@" + String.format(Locale.ROOT, "%0" + DIGITS + "d", step);
    }

    /** The step of {@code key} if it is one of {@code modelId}'s checkpoint keys, else -1. */
    public static long step(String modelId, String key) {
        if (key.length() != modelId.length() + 1 + DIGITS || !key.startsWith(modelId + "@")) return -1;
        String digits = key.substring(modelId.length() + 1);
        for (int i = 0; i < DIGITS; i++) if (!Character.isDigit(digits.charAt(i))) return -1;
        return Long.parseLong(digits);
    }

    /** A checkpoint key taken apart. */
    public record Parsed(String modelId, long step) {
    }

    /** The model and step of a checkpoint key (the id is everything before the last '@'), if it is one. */
    public static Optional<Parsed> parse(String key) {
        int at = key.length() - DIGITS - 1;
        if (at < 1 || key.charAt(at) != '@') return Optional.empty();
        String modelId = key.substring(0, at);
        long step = step(modelId, key);
        return step < 0 ? Optional.empty() : Optional.of(new Parsed(modelId, step));
    }
}
