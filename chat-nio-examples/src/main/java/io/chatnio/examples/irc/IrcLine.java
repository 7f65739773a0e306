package io.chatnio.examples.irc;

import io.chatnio.MessageWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One line from a client, parsed in place: the verb and the parameters are offsets into the buffer the line
 * arrived in, so parsing copies and allocates nothing, and a parameter (a message's text) can be put into an
 * outbound message straight from the inbound buffer.
 *
 * <p>Grammar (RFC 1459 section 2.3.1, RFC 2812 section 2.3.1 and the "Modern IRC client protocol" document):
 * {@code ['@' tags SPACE] [':' source SPACE] verb *(SPACE middle) [SPACE ':' trailing]}, where SPACE is one or
 * more spaces. Tags and a source sent by a client are skipped. At most {@link #MAX_PARAMS} parameters: after
 * 14 middle parameters the rest of the line is the 15th, colon or not. A trailing parameter is an ordinary
 * parameter that may be empty and may hold spaces. The line ends at its first CR or NUL: what follows is
 * dropped, so no CR ever reaches another client inside a relayed text. The line codec has already removed the
 * line end.
 *
 * <p><b>Threading.</b> Loop thread only: the server keeps one instance and reuses it for every line. A parsed
 * line is valid until the handler returns, since the loop reuses the buffer for the next line.
 */
final class IrcLine {
    /** The most parameters a line may have (RFC 1459 and 2812). */
    static final int MAX_PARAMS = 15;

    /** The verbs the server knows, upper case: a verb equal to one of them is returned without allocating. */
    private static final String[] KNOWN = {"PRIVMSG", "NOTICE", "PING", "PONG", "JOIN", "PART", "NICK", "USER",
        "CAP", "PASS", "QUIT", "TOPIC", "NAMES", "LIST", "WHO", "WHOIS", "MODE", "KICK", "AWAY", "MOTD"};
    private static final byte[][] KNOWN_BYTES = new byte[KNOWN.length][];

    static {
        for (int i = 0; i < KNOWN.length; i++) {
            KNOWN_BYTES[i] = KNOWN[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** The line being parsed; owned by the loop, valid only during the current callback. */
    private ByteBuffer buf;
    /** The verb is {@code buf[verbStart, verbEnd)}; not empty once {@link #parse} returned true. */
    private int verbStart;
    private int verbEnd;
    /** Parameter {@code i} is {@code buf[starts[i], ends[i])} for {@code i < count}. */
    private final int[] starts = new int[MAX_PARAMS];
    private final int[] ends = new int[MAX_PARAMS];
    /** Number of parameters of the current line, 0..MAX_PARAMS. */
    private int count;

    /**
     * Parses {@code line[position, limit)}.
     *
     * @return {@code false} if the line holds no verb (empty, or only spaces, tags or a source): the Modern
     *         document says to ignore it silently
     */
    boolean parse(ByteBuffer line) {
        buf = line;
        count = 0;
        int i = line.position();
        int n = line.limit();
        for (int j = i; j < n; j++) {
            byte b = line.get(j);
            if (b == '\r' || b == 0) {
                n = j;
                break;
            }
        }
        i = skipSpaces(i, n);
        if (i < n && line.get(i) == '@') { // message tags: only sent after a capability we never grant
            i = skipSpaces(tokenEnd(i, n), n);
        }
        if (i < n && line.get(i) == ':') { // a source: clients must not send one; ignored
            i = skipSpaces(tokenEnd(i, n), n);
        }
        if (i == n) {
            return false;
        }
        verbStart = i;
        verbEnd = tokenEnd(i, n);
        i = verbEnd;
        while (true) {
            i = skipSpaces(i, n);
            if (i == n) {
                return true;
            }
            if (line.get(i) == ':' || count == MAX_PARAMS - 1) {
                starts[count] = line.get(i) == ':' ? i + 1 : i;
                ends[count++] = n;
                return true;
            }
            starts[count] = i;
            i = tokenEnd(i, n);
            ends[count++] = i;
        }
    }

    private int skipSpaces(int i, int n) {
        while (i < n && buf.get(i) == ' ') {
            i++;
        }
        return i;
    }

    private int tokenEnd(int i, int n) {
        while (i < n && buf.get(i) != ' ') {
            i++;
        }
        return i;
    }

    /**
     * The verb in upper case (ASCII letters only are folded). For the verbs the server knows this is a constant,
     * so {@code switch} over it allocates nothing; any other verb is a new string.
     */
    String verb() {
        int length = verbEnd - verbStart;
        outer:
        for (int k = 0; k < KNOWN_BYTES.length; k++) {
            byte[] known = KNOWN_BYTES[k];
            if (known.length != length) {
                continue;
            }
            for (int j = 0; j < length; j++) {
                if (upper(buf.get(verbStart + j)) != known[j]) {
                    continue outer;
                }
            }
            return KNOWN[k];
        }
        return utf8(verbStart, verbEnd).toUpperCase(Locale.ROOT);
    }

    private static byte upper(byte b) {
        return b >= 'a' && b <= 'z' ? (byte) (b - 32) : b;
    }

    /** Number of parameters. */
    int size() {
        return count;
    }

    /** Whether parameter {@code i} exists and is not empty. */
    boolean has(int i) {
        return i < count && ends[i] > starts[i];
    }

    /** Parameter {@code i} decoded as UTF-8 (malformed bytes become U+FFFD). */
    String param(int i) {
        check(i);
        return utf8(starts[i], ends[i]);
    }

    /** Parameter {@code i}'s bytes, copied. */
    byte[] paramBytes(int i) {
        check(i);
        byte[] b = new byte[ends[i] - starts[i]];
        buf.get(starts[i], b);
        return b;
    }

    /** First byte of parameter {@code i} in {@link #buffer()}. */
    int start(int i) {
        check(i);
        return starts[i];
    }

    /** End (exclusive) of parameter {@code i} in {@link #buffer()}. */
    int end(int i) {
        check(i);
        return ends[i];
    }

    /** The buffer the offsets refer to; read it with absolute gets only. */
    ByteBuffer buffer() {
        return buf;
    }

    /**
     * Puts {@code buffer()[from, to)} into {@code out}, cut to at most {@code max} bytes at a UTF-8 character
     * boundary. Moves the buffer's position (the offsets do not depend on it) and leaves its limit as it was.
     */
    void put(int from, int to, MessageWriter out, int max) {
        int limit = buf.limit();
        int end = Utf8.cut(buf, from, to, max);
        buf.limit(end);
        buf.position(from);
        out.put(buf);
        buf.limit(limit);
    }

    /** {@link #put} of parameter {@code i}. */
    void putParam(int i, MessageWriter out, int max) {
        check(i);
        put(starts[i], ends[i], out, max);
    }

    private String utf8(int from, int to) {
        byte[] b = new byte[to - from];
        buf.get(from, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private void check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("parameter " + i + " of " + count);
        }
    }
}
