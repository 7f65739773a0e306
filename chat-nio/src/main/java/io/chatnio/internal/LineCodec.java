package io.chatnio.internal;

import io.chatnio.FrameCodec;
import io.chatnio.FrameDecoder;
import io.chatnio.FrameException;
import java.nio.ByteBuffer;

/** Newline-delimited frames; see {@link FrameCodec#lines(int)}. Immutable and thread-safe. */
public final class LineCodec implements FrameCodec {
    private static final byte[] TRAILER = {'\n'};

    /** Largest payload, excluding {@code "\r\n"}. */
    private final int maxLineLength;

    public LineCodec(int maxLineLength) {
        if (maxLineLength <= 0 || maxLineLength > Integer.MAX_VALUE - 2) {
            throw new IllegalArgumentException("maxLineLength: " + maxLineLength);
        }
        this.maxLineLength = maxLineLength;
    }

    @Override
    public FrameDecoder newDecoder() {
        return new Decoder(maxLineLength);
    }

    @Override
    public int maxFrameLength() {
        return maxLineLength + 2;
    }

    @Override
    public int headerLength() {
        return 0;
    }

    @Override
    public void writeHeader(ByteBuffer dst, int index, int payloadLength) {
        throw new UnsupportedOperationException("lines have no header");
    }

    @Override
    public byte[] trailer() {
        return TRAILER;
    }

    @Override
    public String toString() {
        return "lines(" + maxLineLength + ")";
    }

    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

    /**
     * The newline bits of eight bytes read as one word: the high bit of each byte that is {@code '\n'} is
     * set, and no other bit. Exact per byte: for each byte of {@code word ^ NEWLINES} that is zero the
     * expression sets that byte's high bit, and only then, since no carry crosses a byte. So the first
     * {@code '\n'} is the highest set bit of a big-endian word and the lowest of a little-endian one.
     */
    static long newlineBits(long word) {
        long x = word ^ NEWLINES;
        return ~(((x & LOW7) + LOW7) | x | LOW7);
    }

    /** The index of the first {@code '\n'} in {@code b[from, to)}, or -1. Eight bytes at a time. */
    static int indexOfNewline(ByteBuffer b, int from, int to) {
        int i = from;
        boolean bigEndian = b.order() == java.nio.ByteOrder.BIG_ENDIAN;
        for (; i + 16 <= to; i += 16) { // two words per round: fewer loop checks on long lines
            long fx = newlineBits(b.getLong(i));
            long fy = newlineBits(b.getLong(i + 8));
            if ((fx | fy) != 0) {
                return fx != 0 ? i + firstByte(fx, bigEndian) : i + 8 + firstByte(fy, bigEndian);
            }
        }
        for (; i + 8 <= to; i += 8) {
            long found = newlineBits(b.getLong(i));
            if (found != 0) {
                return i + firstByte(found, bigEndian);
            }
        }
        for (; i < to; i++) {
            if (b.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The offset in its word of the first byte whose high bit is set in {@code found}. */
    private static int firstByte(long found, boolean bigEndian) {
        return (bigEndian ? Long.numberOfLeadingZeros(found) : Long.numberOfTrailingZeros(found)) >>> 3;
    }

    /** One per connection; only called on the loop thread. */
    static final class Decoder implements FrameDecoder {
        private final int maxLineLength;
        /** Bytes after the frame start already known to hold no {@code '\n'}; reset on every frame. */
        private int scanned;
        /**
         * The loop's index of its read buffer, or null: set once by the loop that owns this decoder, which
         * {@link NewlineIndex#load loads} the bytes of each read before it decodes them. Other buffers are
         * scanned directly.
         */
        private NewlineIndex index;

        Decoder(int maxLineLength) {
            this.maxLineLength = maxLineLength;
        }

        /** Only called on the loop thread, before the first {@link #decode}. */
        void useIndex(NewlineIndex index) {
            this.index = index;
        }

        @Override
        public int decode(ByteBuffer in) throws FrameException {
            int start = in.position();
            int limit = in.limit();
            // A line may be maxLineLength bytes plus "\r\n": never look further than that for its end.
            int stop = (int) Math.min(limit, (long) start + maxLineLength + 2);
            NewlineIndex idx = index;
            int i = idx != null && idx.describes(in)
                    ? idx.indexOf(start + scanned, stop)
                    : indexOfNewline(in, start + scanned, stop);
            if (i >= 0) {
                int end = i;
                if (end > start && in.get(end - 1) == '\r') {
                    end--;
                }
                scanned = 0;
                if (end - start > maxLineLength) {
                    throw new FrameException.TooLong(maxLineLength, end - start);
                }
                in.limit(end);
                return i + 1;
            }
            scanned = stop - start;
            if (limit - start > maxLineLength + 1) {
                // maxLineLength + 2 bytes with no '\n' among the first maxLineLength + 2: can never be a line.
                // (maxLineLength + 1 bytes may still be "payload\r" awaiting its '\n'.)
                throw new FrameException.TooLong(maxLineLength, limit - start);
            }
            return NEED_MORE;
        }
    }
}
