package io.pim.metalearner.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/** stdout belongs to the process: a command's writer on it flushes at the end and never closes it. */
public final class Stdout {
    private Stdout() {
    }

    public static Writer writer(PrintWriter out) {
        return new BufferedWriter(out) {
            @Override
            public void close() throws IOException {
                flush();
                out.flush();
            }
        };
    }
}
