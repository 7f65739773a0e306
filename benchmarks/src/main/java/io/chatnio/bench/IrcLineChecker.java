package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Checks the byte stream one IRC client of the load driver receives, in whatever pieces the reads cut it,
 * line by line. Once {@link #expect} named the message line to wait for, {@code :nick!user@host PRIVMSG
 * <target> :<message>} CR LF of ONE sender, every such line must carry that sender's stamp with exactly the
 * next sequence number (so a missing, duplicated, reordered or misrouted line fails at once), end in CR LF,
 * and be of the expected length; every {@link #FULL_CHECK_INTERVAL}th (line 0 included) is compared byte for
 * byte, which covers the prefix the server wrote and the payload. Every other line (the registration burst,
 * a server's PING, an error) goes to the {@link Listener}, whole, which decides whether it is allowed.
 *
 * <p>Message lines wholly inside a piece and not compared in full take a tight loop of five loads per line
 * (the line's first four bytes, the stamp's two words, the CR LF), as {@link LineChecker} does for the seed
 * protocol. Any other line, a line cut by a read and a line that fails there, is copied into a scratch
 * array up to its line feed and judged whole. So a PING between message lines costs nothing on the lines
 * around it. Nothing is allocated per line.
 *
 * <p>Threading: {@link #expect}, {@link #accept} and the counters belong to the one thread that reads (the
 * driver thread); {@link #firstLine} may be read from any thread.
 */
final class IrcLineChecker {

    /** What receives the lines that are not expected message lines. */
    interface Listener {
        /**
         * Line {@code line[0, length)}, its line end included; the array is reused once this returns.
         *
         * @throws IOException to fail the driver (a line not allowed where it arrived)
         */
        void onLine(byte[] line, int length) throws IOException;
    }

    /** Every message line whose sequence number is a multiple of this is compared byte for byte. */
    static final int FULL_CHECK_INTERVAL = LineChecker.FULL_CHECK_INTERVAL;
    /** The longest line accepted, line end included: RFC 1459's 512 bytes with room for servers that exceed it. */
    static final int MAX_LINE = 8192;

    private static final int FULL_CHECK_MASK = FULL_CHECK_INTERVAL - 1;
    /** CR LF as a big-endian {@code short}. */
    private static final short CRLF = ('\r' << 8) | '\n';
    /** The longest excerpt of a line an error message quotes. */
    private static final int QUOTE_LIMIT = 256;

    /** Names the client in error messages. */
    private final String name;
    /** Gets every line that is not an expected message line. */
    private final Listener listener;
    /** The line in progress on the general path, {@code scratch[0, scratchLength)}. */
    private final byte[] scratch = new byte[MAX_LINE];
    /** A big-endian view of {@link #scratch}, for reading a stamp. */
    private final ByteBuffer scratchView = ByteBuffer.wrap(scratch);
    /** Bytes of the line in progress copied to {@link #scratch}; 0 at a line start. */
    private int scratchLength;

    /** The expected message line, its sequence digits those of the last line compared in full; null before {@link #expect}. */
    private byte[] expectedLine;
    /** A big-endian view of {@link #expectedLine}, for patching digits. */
    private ByteBuffer expectedView;
    /** Length of every message line, CR LF included; 0 before {@link #expect}. */
    private int lineLength;
    /** Offset of the stamp in a message line: every byte before it is the same on every line. */
    private int stampAt;
    /** Offset of the sequence digits in a message line. */
    private int sequenceAt;
    /** {@link MessageStamp#hex4} of the sender index every stamp must carry. */
    private int senderDigits;
    /** The sender index every stamp must carry. */
    private int sender;
    /** The first four bytes of a message line, as a big-endian {@code int}. */
    private int lineHead;

    /** Message lines completed and checked: the sequence number of the next one. */
    private long lines;
    /** The first message line, once complete and checked (its bytes, as received). */
    private volatile byte[] firstLine;

    /**
     * @param name the client, as error messages name it
     * @param listener gets every line that is not an expected message line
     */
    IrcLineChecker(String name, Listener listener) {
        this.name = name;
        this.listener = listener;
    }

    /**
     * From now on, lines starting with the same {@code stampAt} bytes as {@code firstMessageLine} are message
     * lines, of which {@code firstMessageLine} is line 0 (the stamp of {@code sender}, sequence 0, at
     * {@code stampAt}). Called once, by the listener or before any byte arrives.
     */
    void expect(byte[] firstMessageLine, int stampAt, int sender) {
        int length = firstMessageLine.length;
        if (expectedLine != null || length < 6 || stampAt < 4 || stampAt + MessageStamp.LENGTH > length - 2
                || firstMessageLine[length - 2] != '\r' || firstMessageLine[length - 1] != '\n') {
            throw new IllegalArgumentException("expected once: a line ending in CR LF, its stamp after its first 4 "
                    + "bytes and before its end");
        }
        this.expectedLine = firstMessageLine.clone();
        this.expectedView = ByteBuffer.wrap(expectedLine);
        this.lineLength = length;
        this.stampAt = stampAt;
        this.sequenceAt = stampAt + MessageStamp.SENDER_DIGITS;
        this.sender = sender;
        this.senderDigits = MessageStamp.hex4(sender);
        this.lineHead = expectedView.getInt(0);
    }

    /** Message lines received and checked so far. */
    long lines() {
        return lines;
    }

    /** A copy of the first message line once it arrived and passed, else null. */
    byte[] firstLine() {
        byte[] line = firstLine;
        return line == null ? null : line.clone();
    }

    /**
     * Checks {@code in[from, to)}, the next bytes of the stream, counts the message lines completed and hands
     * every other completed line to the listener. Does not move {@code in}'s position or limit.
     *
     * @throws IOException naming the client, what was expected and what arrived, at the first violation (or
     *     as the listener threw it)
     * @throws IllegalArgumentException if {@code in} is not big-endian
     */
    void accept(ByteBuffer in, int from, int to) throws IOException {
        if (in.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("stamps are read as big-endian words");
        }
        int i = from;
        while (i < to) {
            if (scratchLength == 0 && expectedLine != null) {
                i = acceptWholeLines(in, i, to);
                if (i == to) {
                    return;
                }
            }
            int lineFeed = indexOfLineFeed(in, i, to);
            int stop = lineFeed < 0 ? to : lineFeed + 1;
            int take = stop - i;
            if (scratchLength + take > MAX_LINE) {
                throw failure("a line longer than " + MAX_LINE + " bytes: \"" + quote(scratch, 0, scratchLength) + "\"");
            }
            in.get(i, scratch, scratchLength, take);
            scratchLength += take;
            i = stop;
            if (lineFeed < 0) {
                return; // the piece ends inside this line
            }
            int length = scratchLength;
            scratchLength = 0;
            if (isMessageLine(length)) {
                checkMessageLine(length);
            } else {
                listener.onLine(scratch, length);
            }
        }
    }

    /**
     * The common case, message lines wholly inside the piece and not compared in full: checks them from
     * {@code in[i]}, a line start, and returns the index of the first line it left to the general path.
     */
    private int acceptWholeLines(ByteBuffer in, int i, int to) {
        long line = lines;
        while (to - i >= lineLength && (line & FULL_CHECK_MASK) != 0
                && in.getInt(i) == lineHead
                && in.getInt(i + stampAt) == senderDigits
                && in.getLong(i + sequenceAt) == MessageStamp.hex8((int) line)
                && in.getShort(i + lineLength - 2) == CRLF) {
            line++;
            i += lineLength;
        }
        lines = line;
        return i;
    }

    /** Whether {@code scratch[0, length)} starts as a message line does, up to its stamp (sender, verb, target). */
    private boolean isMessageLine(int length) {
        return expectedLine != null && length > stampAt
                && Arrays.equals(scratch, 0, stampAt, expectedLine, 0, stampAt);
    }

    /** Checks the message line {@code scratch[0, length)}: its length, stamp and end, and in full if due. */
    private void checkMessageLine(int length) throws IOException {
        if (length != lineLength) {
            throw failure("message line " + lines + " expected " + lineLength + " bytes but got " + length + ": \""
                    + quote(scratch, 0, length) + "\"");
        }
        checkStamp(scratchView.getInt(stampAt), scratchView.getLong(sequenceAt));
        if (scratchView.getShort(length - 2) != CRLF) {
            throw failure("message line " + lines + " does not end in CR LF: \"" + quote(scratch, 0, length) + "\"");
        }
        if ((lines & FULL_CHECK_MASK) == 0) {
            expectedView.putLong(sequenceAt, MessageStamp.hex8((int) lines));
            int at = Arrays.mismatch(scratch, 0, length, expectedLine, 0, length);
            if (at >= 0) {
                throw failure("message line " + lines + " byte " + at + " expected " + (expectedLine[at] & 0xFF)
                        + " but got " + (scratch[at] & 0xFF) + "; expected \"" + quote(expectedLine, 0, length)
                        + "\", got \"" + quote(scratch, 0, length) + "\"");
            }
            if (lines == 0) {
                firstLine = Arrays.copyOf(scratch, length);
            }
        }
        lines++;
    }

    /** Checks a message line's stamp, given as its two big-endian words of digits. */
    private void checkStamp(int senderWord, long sequenceWord) throws IOException {
        if (senderWord == senderDigits && sequenceWord == MessageStamp.hex8((int) lines)) {
            return;
        }
        long gotSender = MessageStamp.parse(senderWord, MessageStamp.SENDER_DIGITS);
        long gotSequence = MessageStamp.parse(sequenceWord, MessageStamp.SEQUENCE_DIGITS);
        String why;
        if (senderWord != senderDigits) {
            why = "a line from another sender";
        } else if (gotSequence < 0) {
            why = "not a sequence number";
        } else if (gotSequence > (lines & 0xFFFF_FFFFL)) {
            why = "lines missing";
        } else {
            why = "a line duplicated or out of order";
        }
        throw failure("message line " + lines + ": expected stamp " + MessageStamp.stampText(sender, lines)
                + " (sender " + sender + ", sequence " + lines + ") but got "
                + MessageStamp.wordText(senderWord, MessageStamp.SENDER_DIGITS)
                + MessageStamp.wordText(sequenceWord, MessageStamp.SEQUENCE_DIGITS) + " (sender " + gotSender
                + ", sequence " + gotSequence + "): " + why);
    }

    private IOException failure(String what) {
        return new IOException(name + ": " + what);
    }

    private static int indexOfLineFeed(ByteBuffer in, int from, int to) {
        for (int k = from; k < to; k++) {
            if (in.get(k) == '\n') {
                return k;
            }
        }
        return -1;
    }

    /** {@code line[from, to)} as text, at most {@link #QUOTE_LIMIT} bytes, its line end left out. */
    static String quote(byte[] line, int from, int to) {
        int end = Math.min(to, from + QUOTE_LIMIT);
        while (end > from && (line[end - 1] == '\n' || line[end - 1] == '\r')) {
            end--;
        }
        return new String(line, from, end - from, UTF_8);
    }
}
