package io.pim.metalearner.testing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names of the things a test makes on a shared broker or database (topics, application ids,
 * consumer groups, databases): the test's own prefix and a number unique in this JVM, so two
 * tests never meet in one topic or group, whatever names they chose.
 */
public final class TestNames {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private TestNames() {
    }

    public static String unique(String prefix) {
        return prefix + "-" + NEXT.incrementAndGet();
    }
}
