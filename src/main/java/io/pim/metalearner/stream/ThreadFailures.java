package io.pim.metalearner.stream;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The stream threads' failures, for health: a thread that fails is replaced and its tasks retry
 * from the last commit, so a record that fails every time makes a loop that looks alive. Recent
 * failures are what tell it apart from a single hiccup (an unreachable broker for a moment).
 */
public final class ThreadFailures {
    private final Deque<Long> times = new ArrayDeque<>();
    private long total;
    private String last = "";

    synchronized void record(Throwable failure, long nowMs) {
        total++;
        times.addLast(nowMs);
        while (times.size() > 1_000) times.removeFirst();
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        // Kafka Streams' own message names the task, topic, partition and offset; the root says why
        last = describe(failure) + (root == failure ? "" : ", caused by " + describe(root));
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** Failures within {@code window} before {@code nowMs}. */
    public synchronized int within(Duration window, long nowMs) {
        while (!times.isEmpty() && times.peekFirst() < nowMs - window.toMillis()) times.removeFirst();
        return times.size();
    }

    /** Since start. */
    public synchronized long total() {
        return total;
    }

    /** The newest failure and its root cause, as class and message; empty if none. */
    public synchronized String last() {
        return last;
    }
}
