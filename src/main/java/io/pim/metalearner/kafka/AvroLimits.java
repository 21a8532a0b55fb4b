package io.pim.metalearner.kafka;

import org.apache.avro.SystemLimitException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;

/**
 * Bounds on the lengths Avro believes from the wire. Avro allocates a string's or bytes' array
 * from the length prefix before it reads the data, and its default bound is 2 GB: one bit-flipped
 * or hostile record whose length says 1 GB made the decoder allocate it and took the stream
 * thread down with {@code OutOfMemoryError} (found by {@code bin/metalearner fuzz}). No field of
 * ours is anywhere near these bounds (a record is at most a few MB on the topics), so a length
 * over one is a damaged record: Avro refuses it, and the record is dead-lettered {@code unreadable}.
 * A value a user sets with {@code -Dorg.apache.avro.limits.*} stays as given.
 */
public final class AvroLimits {
    static final int MAX_STRING_BYTES = 16 << 20;
    static final int MAX_BYTES = 64 << 20;
    static final int MAX_COLLECTION_ITEMS = 1_000_000;

    private static final Logger log = LoggerFactory.getLogger(AvroLimits.class);
    private static boolean applied;

    private AvroLimits() {
    }

    /** Sets the bounds once per JVM, before any record is decoded by the serdes that call this. */
    public static synchronized void apply() {
        if (applied) return;
        applied = true;
        System.getProperties().putIfAbsent(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, Integer.toString(MAX_STRING_BYTES));
        System.getProperties().putIfAbsent(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, Integer.toString(MAX_BYTES));
        System.getProperties().putIfAbsent(SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, Integer.toString(MAX_COLLECTION_ITEMS));
        // Avro reads the properties once, when the class initialises; if anything decoded before
        // us, make it read them again (package-private in Avro, hence reflection)
        try {
            Method reset = SystemLimitException.class.getDeclaredMethod("resetLimits");
            reset.setAccessible(true);
            reset.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("could not apply Avro's length limits ({}); a damaged record may allocate up to 2 GB", e.toString());
        }
    }
}
