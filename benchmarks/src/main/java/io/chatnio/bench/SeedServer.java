package io.chatnio.bench;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A running server speaking the seed protocol (see {@link SeedProtocol}), started by name so that
 * benchmarks and tests can be parameterised over the implementation.
 *
 * <p>Threading: {@link #start}, {@link #address()} and {@link #close()} may be called from any thread;
 * each implementation runs its own I/O threads, which never call back into the caller.
 */
public interface SeedServer extends AutoCloseable {

    /** Names accepted by {@link #start}; {@code -tls}: TLS 1.3, trusted by {@link BenchTls#clientContext()}. */
    List<String> NAMES = List.of("chatnio", "netty", "netty-batched", "netty-epoll", "blocking", "blocking-naive",
            "virtual", "chatnio-tls", "netty-tls");

    /**
     * System property: {@code SO_SNDBUF} in bytes for the sockets the {@code chatnio} and {@code netty} servers
     * (and their {@code -tls} variants) accept; unset, the kernel's default. On loopback the default lets the
     * kernel take a whole backlog into its send buffers, so {@code MemoryMain} sets it to measure a backlog
     * that the server itself must hold.
     */
    String SEND_BUFFER_PROPERTY = "bench.sendBuffer";

    /** {@link #SEND_BUFFER_PROPERTY}'s value, or 0 when unset. */
    static int sendBuffer() {
        return Integer.getInteger(SEND_BUFFER_PROPERTY, 0);
    }

    /** The address the server is listening on (with the real port when bound to port 0). */
    InetSocketAddress address();

    /** Stops accepting, closes every connection and releases the server's threads; idempotent. */
    @Override
    void close();

    /**
     * Starts the implementation called {@code name} listening on {@code bind}.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws UnsupportedOperationException when the implementation is not available here ({@code netty-epoll}
     *     off Linux, {@code virtual} before JDK 21)
     */
    static SeedServer start(String name, InetSocketAddress bind) {
        return switch (name) {
            case "chatnio" -> ChatNioSeedServer.start(bind);
            case "netty" -> NettySeedServer.start(bind, NettySeedServer.Transport.NIO);
            case "netty-batched" -> NettyBatchedSeedServer.start(bind);
            case "netty-epoll" -> NettySeedServer.start(bind, NettySeedServer.Transport.EPOLL);
            case "blocking" -> BufferedBlockingSeedServer.onPlatformThreads(bind);
            case "blocking-naive" -> NaiveBlockingSeedServer.start(bind);
            case "virtual" -> BufferedBlockingSeedServer.onVirtualThreads(bind);
            case "chatnio-tls" -> ChatNioSeedServer.start(bind, BenchTls.chatNioServerOptions());
            case "netty-tls" -> NettySeedServer.start(bind, NettySeedServer.Transport.NIO, BenchTls.nettyServer());
            default -> throw new IllegalArgumentException("unknown seed server '" + name + "', expected one of " + NAMES);
        };
    }
}
