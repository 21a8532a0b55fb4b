package io.pim.metalearner.learn.trade;

import java.util.Locale;
import java.util.Optional;

/** An agent's call on a trade, with the sign it contributes as a feature. */
public enum Direction {
    LONG(1), SHORT(-1), NEUTRAL(0);

    public final int sign;

    Direction(int sign) {
        this.sign = sign;
    }

    /** LONG, SHORT or NEUTRAL in any case; anything else is empty (the caller rejects it). */
    public static Optional<Direction> parse(String text) {
        if (text == null) return Optional.empty();
        return switch (text.trim().toUpperCase(Locale.ROOT)) {
            case "LONG" -> Optional.of(LONG);
            case "SHORT" -> Optional.of(SHORT);
            case "NEUTRAL" -> Optional.of(NEUTRAL);
            default -> Optional.empty();
        };
    }
}
