package io.chatnio.internal;

import io.chatnio.TlsSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;

/**
 * The byte stream under a connection's codec: what {@link Conn} reads from and writes to. Plain TCP
 * ({@link SocketTransport}) or TLS ({@link TlsTransport}); codecs, routers and flow control see plaintext
 * only. The defaults describe a transport that holds nothing of its own, as plain TCP.
 *
 * <p><b>Threading.</b> Owned by one connection and only called on its loop thread.
 */
interface Transport {

    /** The channel the loop selects on for this transport's readiness. */
    SelectableChannel channel();

    /**
     * Reads into {@code dst[position, limit)}, moving its position past the bytes read.
     *
     * @return bytes read, 0 if none are available now, or -1 at the end of the peer's input
     * @throws IOException on a reset or any other failure; the connection is then closed
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Writes from {@code srcs[offset, offset + length)} in order, moving each buffer's position past what was
     * taken. The buffers belong to the caller.
     *
     * @return bytes taken; fewer than offered, or {@link #hasPendingOutput()} afterwards, means the transport
     *         is full until the loop sees it writable
     */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /** Whether the transport holds output of its own (bytes the socket did not take) that only writability moves. */
    default boolean hasPendingOutput() {
        return false;
    }

    /** Bytes of its own output the transport holds (for TLS, ciphertext); 0 when {@link #hasPendingOutput()} is false. */
    default int heldOutputBytes() {
        return 0;
    }

    /** Writes what the transport holds; whether it now holds nothing. */
    default boolean flushPending() throws IOException {
        return true;
    }

    /** Whether bytes already off the socket wait to be returned by {@link #read} without any readiness. */
    default boolean hasBufferedInput() {
        return false;
    }

    /**
     * Before a graceful close, once the connection's queue is written: ends this side's output at the
     * transport's level (TLS sends {@code close_notify}). Idempotent.
     *
     * @return whether that is on the wire, so the connection may close now
     */
    default boolean closeOutbound() throws IOException {
        return true;
    }

    /** Ends this side's output once everything written has been sent; reading goes on. */
    void shutdownOutput() throws IOException;

    /** Closes at once. Idempotent; never throws. */
    void close();

    /** What the TLS handshake settled, or null for plain TCP. */
    default TlsSession session() {
        return null;
    }
}
