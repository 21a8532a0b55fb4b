package io.pim.metalearner.testing;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits for a condition instead of for a length of time: polls until it holds, and fails naming
 * what it waited for once the deadline passes. Deadlines are generous on purpose: they only
 * bound a test that is going to fail anyway, and a machine busy with other work must not trip them.
 */
public final class Await {
    private static final Duration POLL = Duration.ofMillis(50);

    private Await() {
    }

    /** A condition that may throw (an admin call, a query): an exception fails the wait at once. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    public static void until(String what, Duration timeout, Condition condition) throws Exception {
        until(() -> what, timeout, condition);
    }

    /** As {@link #until(String, Duration, Condition)}, the description computed at the failure (it may show the last state seen). */
    public static void until(Supplier<String> what, Duration timeout, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what.get());
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
