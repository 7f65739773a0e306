package io.chatnio;

import java.nio.ByteBuffer;

/**
 * Builds one outbound message in place, straight into the recipients' outbound buffers: the codec's header
 * and trailer are added around what you put, and nothing is allocated or copied twice.
 *
 * <p>Obtain one with {@link Connection#message()} (one recipient) or {@link Reactor#fanout()} (many
 * recipients sharing one encoding); put the payload; then {@link #send()} it, or for a fan-out call
 * {@link #sendTo(Connection)} once per recipient. A message that is begun but not sent before the next one is
 * begun, or before the current callback returns, is discarded.
 *
 * <p><b>Threading.</b> Loop thread only. There is one writer per reactor, reused for every message: do not
 * keep it across messages. Calls off the loop thread throw {@link IllegalStateException}.
 */
public interface MessageWriter {

    /** Appends {@code src[position, limit)} and moves {@code src}'s position to its limit. */
    MessageWriter put(ByteBuffer src);

    /** Appends {@code src[offset, offset + length)}. */
    MessageWriter put(byte[] src, int offset, int length);

    /** Appends all of {@code src}. */
    default MessageWriter put(byte[] src) {
        return put(src, 0, src.length);
    }

    /** Appends one byte. */
    MessageWriter put(byte b);

    /** Appends the decimal digits of {@code value} in ASCII, with a leading '-' if negative. */
    MessageWriter putDecimal(long value);

    /** Appends {@code s} encoded as UTF-8 (unpaired surrogates become '?'). */
    MessageWriter putUtf8(CharSequence s);

    /**
     * Overrides, for this message only, the reactor's {@link SlowConsumerPolicy} for recipients above their
     * high watermark.
     */
    MessageWriter onSlowConsumer(SlowConsumerPolicy policy);

    /** Payload bytes put so far in this message. */
    int length();

    /**
     * Completes the message begun by {@link Connection#message()} and queues it on that connection.
     *
     * @throws IllegalStateException if this is a fan-out or no message is in progress
     */
    void send();

    /**
     * Queues the fan-out message begun by {@link Reactor#fanout()} on {@code recipient}; its bytes are shared
     * with every other recipient, not copied. Call once per recipient. Closed recipients are skipped.
     *
     * @throws IllegalStateException if this is not a fan-out
     */
    void sendTo(Connection recipient);
}
