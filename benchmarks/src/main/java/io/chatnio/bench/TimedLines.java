package io.chatnio.bench;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Parses, in place and across reads, a byte stream of lines that all have one length and carry a time as
 * {@value LatencyDriver#TIME_DIGITS} lower-case hex digits at one offset: the deliveries one
 * {@link LatencyDriver} receiver gets. Per line it reads the time digits and the last byte (which must be
 * {@code '\n'}), nothing else; a line split over reads is carried over in {@link #at} and {@link #time}.
 *
 * <p>Threading: one thread (the driver's) at a time.
 */
final class TimedLines {

    /** Gets each complete line's time. */
    interface Sink {
        void line(long time) throws IOException;
    }

    private final int lineLength;
    private final int timeOffset;
    /** Bytes of the current line consumed so far, in {@code [0, lineLength)}. */
    private int at;
    /** The time digits of the current line seen so far. */
    private long time;
    /** Complete lines so far. */
    private long lines;

    /**
     * @param lineLength bytes per line, its {@code '\n'} included
     * @param timeOffset where the time digits start in a line
     */
    TimedLines(int lineLength, int timeOffset) {
        if (timeOffset < 0 || timeOffset + LatencyDriver.TIME_DIGITS >= lineLength) {
            throw new IllegalArgumentException("time digits at " + timeOffset + " do not fit a " + lineLength
                    + "-byte line before its '\\n'");
        }
        this.lineLength = lineLength;
        this.timeOffset = timeOffset;
    }

    long lines() {
        return lines;
    }

    /**
     * Consumes {@code buf[from, to)}, the next bytes of the stream, and hands every line completed in it to
     * {@code sink}, in order.
     *
     * @throws IOException at a line end that is not {@code '\n'} or a time digit that is not hex
     */
    void consume(ByteBuffer buf, int from, int to, Sink sink) throws IOException {
        int timeEnd = timeOffset + LatencyDriver.TIME_DIGITS;
        int i = from; // buf[i] is byte `at` of the current line
        // Each pass ends a line or the buffer, so the loop is bounded by the bytes given.
        while (i < to) {
            int available = to - i;
            if (at < timeEnd) {
                int end = Math.min(timeEnd, at + available);
                for (int o = Math.max(at, timeOffset); o < end; o++) {
                    time = time << 4 | hexValue(buf.get(i + o - at));
                }
            }
            int rest = lineLength - at; // up to and including the '\n'
            if (rest > available) {
                at += available;
                return;
            }
            int lf = i + rest - 1;
            if (buf.get(lf) != '\n') {
                throw new IOException("line " + lines + " (" + lineLength + " bytes) ends in byte "
                        + (buf.get(lf) & 0xFF) + ", not '\\n'");
            }
            lines++;
            sink.line(time);
            time = 0;
            at = 0;
            i = lf + 1;
        }
    }

    private int hexValue(byte b) throws IOException {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        throw new IOException("line " + lines + ": byte " + (b & 0xFF) + " in the time field is not a hex digit");
    }
}
