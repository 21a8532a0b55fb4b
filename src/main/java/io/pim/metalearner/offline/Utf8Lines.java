package io.pim.metalearner.offline;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of a byte stream, each decoded as strict UTF-8 on its own: a line that is not valid
 * UTF-8 is one bad line, not the end of the file (a {@code Reader} throws on it and the rest of the
 * file is lost). Lines end at {@code \n}; a {@code \r} before it is dropped, and so is a UTF-8 byte
 * order mark at the start of the stream.
 */
public final class Utf8Lines implements Closeable {
    private final InputStream in;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder(); // reports malformed input
    private final byte[] buffer = new byte[64 * 1024];
    private int position, limit;
    private byte[] line = new byte[1024];
    private int length;
    private long number;

    public Utf8Lines(InputStream in) {
        this.in = in;
    }

    /** Reads the next line; false at the end of the stream. */
    boolean advance() throws IOException {
        length = 0;
        boolean any = false;
        while (true) {
            if (position == limit) {
                limit = Math.max(0, in.read(buffer));
                position = 0;
                if (limit == 0) break;
            }
            any = true;
            byte b = buffer[position++];
            if (b == '\n') break;
            if (length == line.length) line = Arrays.copyOf(line, 2 * length);
            line[length++] = b;
        }
        if (!any) return false;
        if (length > 0 && line[length - 1] == '\r') length--;
        number++;
        return true;
    }

    /** The current line without its terminator; null if it is not valid UTF-8. */
    String text() {
        String text;
        try {
            text = utf8.decode(ByteBuffer.wrap(line, 0, length)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        return number == 1 && text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** 1 for the first line. */
    long number() {
        return number;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
