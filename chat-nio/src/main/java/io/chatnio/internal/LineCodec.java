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

    /** One per connection; only called on the loop thread. */
    static final class Decoder implements FrameDecoder {
        private final int maxLineLength;
        /** Bytes after the frame start already known to hold no {@code '\n'}; reset on every frame. */
        private int scanned;

        Decoder(int maxLineLength) {
            this.maxLineLength = maxLineLength;
        }

        @Override
        public int decode(ByteBuffer in) throws FrameException {
            int start = in.position();
            int limit = in.limit();
            // A line may be maxLineLength bytes plus "\r\n": never look further than that for its end.
            int stop = (int) Math.min(limit, (long) start + maxLineLength + 2);
            for (int i = start + scanned; i < stop; i++) {
                if (in.get(i) == '\n') {
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
