package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Checks the byte stream one receiver gets, in whatever pieces the reads cut it: first its confirmation
 * line (byte for byte), then message lines 0, 1, 2, ... from ONE sender, every one of the same length.
 *
 * <p>On every message line: the byte at the line end is {@code '\n'}, and the {@link MessageStamp} at its
 * fixed offset names the expected sender and exactly the next sequence number (so a missing, duplicated,
 * reordered or misrouted line fails at once). Every {@link #FULL_CHECK_INTERVAL}th line (line 0 included)
 * is also compared byte for byte with the expected line, which covers the sender port the server wrote and
 * the payload. A corrupted payload byte on any other line, one that keeps the length, goes unnoticed: the
 * price of not reading every byte of every line.
 *
 * <p>A line or its stamp may be split across any number of pieces: the position in the current line is
 * carried from one piece to the next, and the stamp bytes of a split stamp are shifted into two words; a
 * stamp wholly inside a piece is read as one {@code int} and one {@code long}. Runs of lines wholly inside
 * a piece and not compared in full, the common case, take a tight loop of three loads per line; every
 * other line, and a line that fails there (so that the failure is described), the general path. Nothing
 * is allocated per line; the first message line is copied once, for {@link #firstLine}.
 *
 * <p>Threading: {@link #accept} and the counters belong to the one thread that reads (the driver thread);
 * {@link #firstLine} may be read from any thread.
 */
final class LineChecker {

    /** Every line whose sequence number is a multiple of this is compared byte for byte (a power of two). */
    static final int FULL_CHECK_INTERVAL = 64;

    private static final int FULL_CHECK_MASK = FULL_CHECK_INTERVAL - 1;
    /** The longest excerpt of received bytes an error message quotes. */
    private static final int QUOTE_LIMIT = 256;

    /** Names the receiver in error messages. */
    private final String name;
    /** The confirmation line, expected before any message line. */
    private final byte[] confirmation;
    /** What arrived of the confirmation so far: {@code received[0, confirmed)} equals {@code confirmation}. */
    private final byte[] received;
    /** The expected message line, its sequence digits those of the last line compared in full. */
    private final byte[] expectedLine;
    /** A big-endian heap view of {@link #expectedLine}, for patching digits and bulk comparison. */
    private final ByteBuffer expectedView;
    /** Length of every message line, {@code '\n'} included. */
    private final int lineLength;
    /** Offset of the stamp in a message line. */
    private final int stampAt;
    /** Offset of the sequence digits in a message line. */
    private final int sequenceAt;
    /** Offset just past the stamp in a message line. */
    private final int stampEnd;
    /** The sender index every stamp must carry. */
    private final int sender;
    /** {@link MessageStamp#hex4} of {@link #sender}. */
    private final int senderDigits;

    /** Bytes of the confirmation line received (and matched) so far. */
    private int confirmed;
    /** Message lines completed and checked: the sequence number of the line in progress. */
    private long lines;
    /** Bytes of the line in progress received so far, 0 at a line start. */
    private int lineOffset;
    /** The sender digits of a stamp split across pieces, shifted in as they arrive. */
    private int splitSender;
    /** The sequence digits of a stamp split across pieces, shifted in as they arrive. */
    private long splitSequence;
    /** The first message line, once complete and checked (its bytes, as received). */
    private volatile byte[] firstLine;

    /**
     * @param name the receiver, as error messages name it
     * @param confirmation the exact first line expected
     * @param firstMessageLine the exact message line 0 expected (stamp of {@code sender}, sequence 0)
     * @param stampAt the offset of the stamp in every message line
     * @param sender the sender index every stamp must carry
     */
    LineChecker(String name, byte[] confirmation, byte[] firstMessageLine, int stampAt, int sender) {
        if (confirmation.length == 0 || confirmation[confirmation.length - 1] != '\n'
                || firstMessageLine[firstMessageLine.length - 1] != '\n'
                || stampAt < 0 || stampAt + MessageStamp.LENGTH >= firstMessageLine.length) {
            throw new IllegalArgumentException("lines must end in a line feed, the stamp lie before it");
        }
        this.name = name;
        this.confirmation = confirmation.clone();
        this.received = new byte[confirmation.length];
        this.expectedLine = firstMessageLine.clone();
        this.expectedView = ByteBuffer.wrap(expectedLine);
        this.lineLength = expectedLine.length;
        this.stampAt = stampAt;
        this.sequenceAt = stampAt + MessageStamp.SENDER_DIGITS;
        this.stampEnd = stampAt + MessageStamp.LENGTH;
        this.sender = sender;
        this.senderDigits = MessageStamp.hex4(sender);
    }

    /** Whether the whole confirmation line arrived. */
    boolean confirmed() {
        return confirmed == confirmation.length;
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
     * Checks {@code in[from, to)}, the next bytes of the stream, and counts the lines completed. Moves
     * {@code in}'s position (the caller refills it anyway); {@code to} must not be past its limit.
     *
     * @throws IOException naming the receiver, what was expected and what arrived, at the first violation
     * @throws IllegalArgumentException if {@code in} is not big-endian
     */
    void accept(ByteBuffer in, int from, int to) throws IOException {
        if (in.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("stamps are read as big-endian words");
        }
        int i = from;
        if (confirmed < confirmation.length) {
            i = acceptConfirmation(in, i, to);
        }
        while (i < to) {
            if (lineOffset == 0) {
                i = acceptWholeLines(in, i, to);
                if (i == to) {
                    return;
                }
            }
            int offset = lineOffset;
            int take = Math.min(to - i, lineLength - offset);
            int end = offset + take;
            boolean full = (lines & FULL_CHECK_MASK) == 0;
            if (end > stampAt && offset < stampEnd) {
                checkStamp(in, i - offset, offset, end);
            }
            if (full) {
                compare(in, i, offset, take);
            }
            if (end < lineLength) {
                lineOffset = end;
                return; // the piece ends inside this line
            }
            if (in.get(i + take - 1) != '\n') {
                throw failure("line " + lines + " (lines are " + lineLength + " bytes) expected a line feed at its"
                        + " end but got byte " + (in.get(i + take - 1) & 0xFF));
            }
            if (lines == 0) {
                firstLine = expectedLine.clone(); // compared in full just now, so these are the bytes received
            }
            lines++;
            lineOffset = 0;
            i += take;
        }
    }

    /**
     * The common case, lines wholly inside the piece and not compared in full: checks them from
     * {@code in[i]}, a line start, and returns the index of the first line it left to the general path (a
     * line compared in full, cut by the piece's end, or failing, which the general path then reports).
     */
    private int acceptWholeLines(ByteBuffer in, int i, int to) {
        long line = lines;
        while (to - i >= lineLength && (line & FULL_CHECK_MASK) != 0
                && in.getInt(i + stampAt) == senderDigits
                && in.getLong(i + sequenceAt) == MessageStamp.hex8((int) line)
                && in.get(i + lineLength - 1) == '\n') {
            line++;
            i += lineLength;
        }
        lines = line;
        return i;
    }

    private int acceptConfirmation(ByteBuffer in, int from, int to) throws IOException {
        int count = Math.min(to - from, confirmation.length - confirmed);
        for (int k = 0; k < count; k++) {
            byte b = in.get(from + k);
            received[confirmed + k] = b;
            if (b != confirmation[confirmed + k]) {
                throw failure("expected \"" + new String(confirmation, UTF_8) + "\" but got \""
                        + receivedUpTo(in, from, confirmed + k, to) + "\"");
            }
        }
        confirmed += count;
        return from + count;
    }

    /**
     * Checks the part {@code [offset, end)} of the current line's stamp region, the line starting at buffer
     * index {@code base} (negative when it started in an earlier piece).
     */
    private void checkStamp(ByteBuffer in, int base, int offset, int end) throws IOException {
        if (offset <= stampAt && end >= stampEnd) {
            check(in.getInt(base + stampAt), in.getLong(base + sequenceAt));
            return;
        }
        int k = Math.max(offset, stampAt);
        int stop = Math.min(end, stampEnd);
        for (; k < stop; k++) {
            int b = in.get(base + k) & 0xFF;
            if (k < sequenceAt) {
                splitSender = splitSender << 8 | b;
            } else {
                splitSequence = splitSequence << 8 | b;
            }
        }
        if (stop == stampEnd) {
            check(splitSender, splitSequence);
        }
    }

    /** Checks the stamp of the current line, given as its two big-endian words of digits. */
    private void check(int senderWord, long sequenceWord) throws IOException {
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
        throw failure("line " + lines + ": expected stamp " + MessageStamp.stampText(sender, lines) + " (sender "
                + sender + ", sequence " + lines + ") but got "
                + MessageStamp.wordText(senderWord, MessageStamp.SENDER_DIGITS)
                + MessageStamp.wordText(sequenceWord, MessageStamp.SEQUENCE_DIGITS) + " (sender " + gotSender
                + ", sequence " + gotSequence + "): " + why);
    }

    /** Compares {@code in[i, i + take)} with bytes {@code [offset, offset + take)} of the expected line. */
    private void compare(ByteBuffer in, int i, int offset, int take) throws IOException {
        if (offset == 0) {
            expectedView.putLong(sequenceAt, MessageStamp.hex8((int) lines));
        }
        int limit = in.limit();
        in.limit(i + take).position(i);
        expectedView.limit(offset + take).position(offset);
        int at = in.mismatch(expectedView);
        in.limit(limit);
        if (at >= 0) {
            throw failure("line " + lines + " byte " + (offset + at) + " expected " + (expectedLine[offset + at] & 0xFF)
                    + " but got " + (in.get(i + at) & 0xFF) + "; expected line \"" + new String(expectedLine, UTF_8)
                    + "\", got from that byte \"" + quote(in, i + at, i + take) + "\"");
        }
    }

    private IOException failure(String what) {
        return new IOException("receiver " + name + ": " + what);
    }

    /** The confirmation bytes received before {@code received[upTo]} (= {@code in[at]}) and the rest of that line. */
    private String receivedUpTo(ByteBuffer in, int from, int upTo, int to) {
        int at = from + upTo - confirmed;
        return new String(received, 0, upTo, UTF_8) + quote(in, at, to);
    }

    /** {@code in[at, to)} up to and including the first line feed, at most {@link #QUOTE_LIMIT} bytes. */
    private static String quote(ByteBuffer in, int at, int to) {
        int end = at;
        int cap = Math.min(to, at + QUOTE_LIMIT);
        while (end < cap && in.get(end) != '\n') {
            end++;
        }
        byte[] got = new byte[Math.min(cap, end + 1) - at];
        in.get(at, got, 0, got.length);
        return new String(got, UTF_8);
    }
}
