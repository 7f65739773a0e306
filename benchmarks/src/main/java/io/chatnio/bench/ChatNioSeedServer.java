package io.chatnio.bench;

import java.net.InetSocketAddress;

/**
 * The seed protocol served by the chat-nio library itself.
 *
 * <p>Pending: the library API is still being written; until it is, {@link #start} throws
 * {@link UnsupportedOperationException} and the benchmarks' default parameters and the tests leave
 * {@code "chatnio"} out. Whoever fills this in must implement the protocol exactly as
 * {@link SeedProtocol} documents it (including rooms), because the load driver verifies delivered bytes.
 */
final class ChatNioSeedServer implements SeedServer {

    private ChatNioSeedServer() {
    }

    static ChatNioSeedServer start(InetSocketAddress bind) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public InetSocketAddress address() {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public void close() {
    }
}
