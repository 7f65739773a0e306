package io.chatnio.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain TCP: every call goes straight to the non-blocking {@link SocketChannel}.
 *
 * <p><b>Threading.</b> Owned by one connection; only called on its loop thread.
 */
final class SocketTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);

    /** Non-blocking, connected; closed only by {@link #close()}. */
    private final SocketChannel channel;

    SocketTransport(SocketChannel channel) {
        this.channel = channel;
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return channel.write(srcs, offset, length);
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("close failed", e);
        }
    }
}
