package io.chatnio.internal;

import io.chatnio.FrameCodec;
import io.chatnio.FrameDecoder;
import java.nio.ByteBuffer;

/** Unframed chunks; see {@link FrameCodec#raw(int)}. Immutable and thread-safe. */
public final class RawCodec implements FrameCodec {
    private static final byte[] NO_TRAILER = {};

    /** Largest chunk handed over as one message; also the most the reactor reads for it at once. */
    private final int maxChunk;
    /** Stateless, so one decoder serves every connection. */
    private final FrameDecoder decoder;

    public RawCodec(int maxChunk) {
        if (maxChunk <= 0) {
            throw new IllegalArgumentException("maxChunk: " + maxChunk);
        }
        this.maxChunk = maxChunk;
        this.decoder = in -> {
            int start = in.position();
            if (in.limit() == start) {
                return FrameDecoder.NEED_MORE;
            }
            int end = Math.min(in.limit(), start + maxChunk);
            in.limit(end);
            return end;
        };
    }

    @Override
    public FrameDecoder newDecoder() {
        return decoder;
    }

    @Override
    public int maxFrameLength() {
        return maxChunk;
    }

    @Override
    public int headerLength() {
        return 0;
    }

    @Override
    public void writeHeader(ByteBuffer dst, int index, int payloadLength) {
        throw new UnsupportedOperationException("raw chunks have no header");
    }

    @Override
    public byte[] trailer() {
        return NO_TRAILER;
    }

    @Override
    public String toString() {
        return "raw(" + maxChunk + ")";
    }
}
