package io.chatnio;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One TCP connection of a {@link Reactor}: accepted on a listener or opened by {@link Reactor#connect}.
 *
 * <p><b>Threading.</b> The reactor's loop thread owns the connection: its channel, buffers and attributes.
 * Methods marked "any thread" may be called from anywhere: from the loop thread they act at once; from
 * other threads they enqueue a task on the loop and wake it up, so they return before acting, and calls
 * made by one thread act in the order it made them. All other methods are loop thread only and throw
 * {@link IllegalStateException} elsewhere.
 */
public interface Connection {

    /** A number unique among this reactor's connections, assigned in accept order from 1. Any thread. */
    long id();

    /** The peer's address, as seen when the connection was accepted or connected. Any thread. */
    InetSocketAddress remoteAddress();

    /** This side's address of the connection. Any thread. */
    InetSocketAddress localAddress();

    /** What the TLS handshake settled, or {@code null} for a plain TCP connection. Any thread. */
    TlsSession tls();

    /** The reactor that owns this connection. Any thread. */
    Reactor reactor();

    /** {@code false} once the connection is closing or closed. Any thread (a volatile read). */
    boolean isOpen();

    /**
     * {@code false} while pending outbound bytes are above the high watermark, until they fall below the
     * low watermark. Any thread (a volatile read); {@link Handler#onWritabilityChanged} reports changes.
     */
    boolean isWritable();

    /**
     * Encoded bytes queued for this connection and not yet written to its socket. Under TLS this adds the
     * ciphertext already encrypted but not taken by the socket (at most a few records, outside the
     * watermarks: a message is counted against them until it is encrypted). Loop thread only.
     */
    long pendingOutboundBytes();

    /** The attribute stored under {@code key}, or {@code null}. Loop thread only. */
    <T> T attr(AttributeKey<T> key);

    /** Stores {@code value} under {@code key} ({@code null} removes it) and returns the previous one. Loop thread only. */
    <T> T attr(AttributeKey<T> key, T value);

    /**
     * Encodes {@code payload[position, limit)} as one frame and queues it; the buffer's position moves to its
     * limit. Any thread: off the loop the bytes are copied before this returns, so the caller may reuse the
     * buffer. Sending to a closed connection does nothing. Output is flushed once per loop pass.
     */
    void send(ByteBuffer payload);

    /** {@link #send(ByteBuffer)} for a byte array, which is not kept. Any thread. */
    default void send(byte[] payload) {
        send(ByteBuffer.wrap(payload));
    }

    /** Sends {@code text} encoded as UTF-8. Any thread. */
    void send(CharSequence text);

    /**
     * Begins a message to this connection, written in place into its outbound buffers; see
     * {@link MessageWriter}. Loop thread only.
     */
    MessageWriter message();

    /**
     * Stops or resumes reading from this connection (TCP backpressure: the peer's sends stall once the
     * socket buffers fill). Frames already read stay queued in order and are delivered after resuming.
     * Any thread.
     */
    void setReadingPaused(boolean paused);

    /**
     * Closes gracefully: stops reading now, writes what is already queued, then closes the socket. If the
     * queue is not drained within the reactor's close timeout the connection is closed anyway and the rest
     * discarded. Idempotent. Any thread.
     */
    void close();

    /**
     * Half-close: writes what is already queued, then shuts this side's output down (the peer reads the end
     * of the stream); reading goes on until the peer closes. Later sends are discarded. Any thread.
     */
    void shutdownOutput();

    /** Closes at once, discarding queued output. Idempotent. Any thread. */
    void abort();
}
