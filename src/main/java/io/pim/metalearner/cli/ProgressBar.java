package io.pim.metalearner.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A command's progress on stderr. On a terminal, one bar redrawn in place every 200 ms; otherwise
 * (a log file, a pipe, CI) a plain line every 10 s, so a log keeps neither carriage returns nor
 * thousands of redraws. The last position is always written.
 */
final class ProgressBar {
    private static final int WIDTH = 40;

    private final PrintWriter err;
    private final String label;
    private final boolean terminal;
    private final long everyNanos;
    private long lastDrawn;
    private boolean drawn;

    ProgressBar(PrintWriter err, String label, boolean terminal) {
        this.err = err;
        this.label = label;
        this.terminal = terminal;
        this.everyNanos = terminal ? 200_000_000L : 10_000_000_000L;
    }

    /** Java can tell only whether the process has a console (stdin and stdout on a terminal). */
    static boolean onATerminal() {
        return System.console() != null;
    }

    void at(long position, long end) {
        long now = System.nanoTime();
        if (drawn && position < end && now - lastDrawn < everyNanos) return;
        drawn = true;
        lastDrawn = now;
        if (terminal) {
            int filled = end == 0 ? WIDTH : (int) (WIDTH * Math.min(position, end) / end);
            err.printf(Locale.ROOT, "\r%s [%s%s] %,d / %,d", label, "#".repeat(filled), " ".repeat(WIDTH - filled), position, end);
        } else {
            err.printf(Locale.ROOT, "%s: %,d / %,d%n", label, position, end);
        }
        err.flush();
    }

    /** Ends the bar's line on a terminal, so that what follows starts on a line of its own. */
    void endLine() {
        if (terminal && drawn) {
            err.println();
            err.flush();
        }
        drawn = false;
    }
}
