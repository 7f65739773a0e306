package io.chatnio;

import io.chatnio.internal.LengthPrefixedCodec;
import io.chatnio.internal.LineCodec;
import io.chatnio.internal.RawCodec;
import java.nio.ByteBuffer;

/**
 * A framing: how a byte stream is cut into messages (decoding) and how a message's payload is wrapped
 * into bytes on the wire (encoding).
 *
 * <p><b>Threading.</b> A codec is immutable and shared by every connection of a reactor; it may be called
 * from any thread. Per-connection decoding state lives in the {@link FrameDecoder} it creates.
 *
 * <p><b>Encoding contract.</b> An encoded frame is {@code header + payload + trailer}. The reactor writes the
 * payload itself, straight into the recipient's outbound buffers; it reserves {@link #headerLength()} bytes
 * before the payload and asks the codec to fill them once the payload length is known, then appends
 * {@link #trailer()}. The codec never sees or copies the payload, so one encoding can be shared by any
 * number of recipients.
 *
 * <p>Built-ins: {@link #lines(int)}, {@link #lengthPrefixed(int)}, {@link #raw(int)}.
 */
public interface FrameCodec {

    /** A new decoder for one connection. Called on the loop thread when the connection is accepted. */
    FrameDecoder newDecoder();

    /**
     * The largest number of bytes one inbound frame may occupy on the wire, header and trailer included.
     * The reactor sizes its read buffer from this, so a partial frame always fits; it must be positive.
     */
    int maxFrameLength();

    /** The number of bytes {@link #writeHeader} writes before each payload; 0 for none. */
    int headerLength();

    /**
     * Writes the header of a frame whose payload is {@code payloadLength} bytes into
     * {@code dst[index, index + headerLength())} using absolute puts; does not move position or limit.
     * Only called when {@link #headerLength()} is positive.
     *
     * @throws IllegalArgumentException if the codec cannot frame a payload of that length
     */
    void writeHeader(ByteBuffer dst, int index, int payloadLength);

    /** The bytes written after each payload, possibly empty. The returned array must not be modified. */
    byte[] trailer();

    /**
     * Newline-delimited frames: the payload is the bytes before {@code '\n'}, with one trailing {@code '\r'}
     * removed ({@code "\r\n"} is tolerated). Encoding appends {@code '\n'}; a payload must not contain one.
     * A line whose payload would exceed {@code maxLineLength} bytes fails with {@link FrameException.TooLong}
     * as soon as that many bytes have arrived without a newline, so the excess is never buffered.
     */
    static FrameCodec lines(int maxLineLength) {
        return new LineCodec(maxLineLength);
    }

    /**
     * Frames prefixed with their payload length as a 4-byte big-endian signed integer. A negative length,
     * or one above {@code maxPayloadLength}, fails with a {@link FrameException} before any payload byte is
     * buffered.
     */
    static FrameCodec lengthPrefixed(int maxPayloadLength) {
        return new LengthPrefixedCodec(maxPayloadLength);
    }

    /**
     * No framing: whatever one read returns, at most {@code maxChunk} bytes, is one message, and a message
     * is sent as its bare bytes. Only for legacy peers that send one unframed message per write (such as
     * the original seed client): TCP may split or merge writes, so message boundaries are best effort.
     */
    static FrameCodec raw(int maxChunk) {
        return new RawCodec(maxChunk);
    }
}
