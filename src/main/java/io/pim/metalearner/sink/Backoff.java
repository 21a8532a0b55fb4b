package io.pim.metalearner.sink;

import java.time.Duration;

/** Pauses between tries of what is away: 100 ms, doubling up to 5 s. */
final class Backoff {
    private static final Duration FIRST = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(5);

    private Duration next = FIRST;
    private boolean waited;

    Duration next() {
        Duration pause = next;
        next = next.multipliedBy(2).compareTo(MAX) > 0 ? MAX : next.multipliedBy(2);
        waited = true;
        return pause;
    }

    /** Whether a pause was taken, so that getting through again is worth a log line. */
    boolean waited() {
        return waited;
    }
}
