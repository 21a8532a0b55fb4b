package io.pim.metalearner.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way a duration is written in this product's configuration and flags: {@code 100ms},
 * {@code 30s}, {@code 5m}, {@code 2h}, {@code 30d}, or ISO-8601 ({@code PT5M}); always above zero.
 */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    /** A {@link ConfigDef} validator of duration keys. */
    public static final ConfigDef.Validator POSITIVE = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) throw new ConfigException(name, null, "a duration is required");
            try {
                parse(value.toString());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "a duration > 0: 100ms, 30s, 5m, 2h, 30d or ISO-8601 PT5M";
        }
    };

    private Durations() {
    }

    /** @throws IllegalArgumentException saying what is accepted */
    public static Duration parse(String text) {
        String trimmed = text.trim();
        Duration d = null;
        Matcher m = SIMPLE.matcher(trimmed.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                d = Duration.parse(trimmed);
            } catch (DateTimeParseException ignored) {
                // reported below
            }
        }
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a positive duration; use e.g. 100ms, 30s, 5m, 2h, 30d or ISO-8601 PT5M");
        }
        return d;
    }
}
