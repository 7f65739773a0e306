package io.chatnio.internal;

import io.chatnio.FrameCodec;
import io.chatnio.FrameDecoder;
import io.chatnio.FrameException;
import java.nio.ByteBuffer;

/** 4-byte big-endian length-prefixed frames; see {@link FrameCodec#lengthPrefixed(int)}. Thread-safe. */
public final class LengthPrefixedCodec implements FrameCodec {
    private static final byte[] NO_TRAILER = {};

    /** Largest payload in bytes. */
    private final int maxPayloadLength;
    /** Stateless, so one decoder serves every connection. */
    private final FrameDecoder decoder;

    public LengthPrefixedCodec(int maxPayloadLength) {
        if (maxPayloadLength < 0 || maxPayloadLength > Integer.MAX_VALUE - 4) {
            throw new IllegalArgumentException("maxPayloadLength: " + maxPayloadLength);
        }
        this.maxPayloadLength = maxPayloadLength;
        this.decoder = this::decode;
    }

    @Override
    public FrameDecoder newDecoder() {
        return decoder;
    }

    private int decode(ByteBuffer in) throws FrameException {
        int start = in.position();
        if (in.limit() - start < 4) {
            return FrameDecoder.NEED_MORE;
        }
        int length = in.getInt(start); // the buffer's byte order is big-endian: the reactor never changes it
        if (length < 0) {
            throw new FrameException("negative frame length " + length);
        }
        if (length > maxPayloadLength) {
            throw new FrameException.TooLong(maxPayloadLength, length);
        }
        int end = start + 4 + length;
        if (end > in.limit()) {
            return FrameDecoder.NEED_MORE;
        }
        in.limit(end).position(start + 4);
        return end;
    }

    @Override
    public int maxFrameLength() {
        return maxPayloadLength + 4;
    }

    @Override
    public int headerLength() {
        return 4;
    }

    @Override
    public void writeHeader(ByteBuffer dst, int index, int payloadLength) {
        if (payloadLength > maxPayloadLength) {
            throw new IllegalArgumentException("payload of " + payloadLength + " bytes > " + maxPayloadLength);
        }
        dst.putInt(index, payloadLength);
    }

    @Override
    public byte[] trailer() {
        return NO_TRAILER;
    }

    @Override
    public String toString() {
        return "lengthPrefixed(" + maxPayloadLength + ")";
    }
}
