package io.chatnio.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;

/**
 * The byte stream under a connection's codec: what {@link Conn} reads from and writes to. Plain TCP now
 * ({@link SocketTransport}); an encrypting transport slots in here without codecs, routers or flow control
 * knowing.
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
     * Writes from {@code srcs[offset, offset + length)} in order, as much as the peer takes now, moving each
     * buffer's position past what was written. The buffers belong to the caller.
     *
     * @return bytes written; fewer than offered means the transport is full until the loop sees it writable
     */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /** Ends this side's output once everything written has been sent; reading goes on. */
    void shutdownOutput() throws IOException;

    /** Closes at once. Idempotent; never throws. */
    void close();
}
