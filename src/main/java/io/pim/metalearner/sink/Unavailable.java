package io.pim.metalearner.sink;

/**
 * Something the writer needs is away for now (the database, the schema registry, the broker):
 * not the record's fault, so nothing is dead-lettered; the writer waits and tries the same
 * records again.
 */
final class Unavailable extends RuntimeException {
    /** What the writer waits for, for the log: "the database", "the schema registry at ...". */
    final String what;

    Unavailable(String what, Throwable cause) {
        super(what + " is unavailable: " + cause, cause);
        this.what = what;
    }

    /** The innermost cause as "Type: message": what the writer logs, and names in an error that stops it. */
    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
