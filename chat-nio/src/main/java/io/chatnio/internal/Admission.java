package io.chatnio.internal;

import io.chatnio.FrameCodec;
import io.chatnio.FrameDecoder;
import io.chatnio.Refusal;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a connected socket into a registered connection, accepted or outbound alike: set it up, make its
 * decoder, apply the connection limits, register it and tell the handler. A refused accepted connection is
 * shown to the application ({@code onRefused}), which may answer it, then closed gracefully; nothing of the
 * library's own is written to it.
 *
 * <p><b>Threading.</b> Loop thread only; every method is "Only called on the loop thread".
 */
final class Admission {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);

    private final ReactorImpl reactor;
    private final Stats stats;
    private final int maxConnections;
    private final int maxConnectionsPerIp;
    /** Open connections per remote IP address, kept only when a per-IP cap is set. */
    private final Map<InetAddress, int[]> perIp = new HashMap<>();
    /** Accepted TLS handshakes in progress per remote IP, kept only when a per-IP cap is set. */
    private final Map<InetAddress, int[]> handshakesPerIp = new HashMap<>();
    /** The id of the next connection; ids are never reused. */
    private long nextId = 1;

    /**
     * The socket settings of every connection, accepted or outbound, before anything else is done with it:
     * non-blocking, {@code TCP_NODELAY} (the loop batches its own writes), then the endpoint's options in the
     * order given, so that those win. Any thread that owns {@code ch} (the loop, for every caller).
     */
    static void configure(SocketChannel ch, Map<SocketOption<?>, Object> options) throws IOException {
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        for (Map.Entry<SocketOption<?>, Object> o : options.entrySet()) {
            set(ch, o.getKey(), o.getValue());
        }
    }

    /**
     * Fails now if a TCP socket does not support one of {@code options} or refuses its value: applies them to
     * a socket that is never connected. For {@code bind}, so that a listener does not start with options
     * every accepted socket would fail on. Any thread.
     *
     * @throws IllegalArgumentException naming the option, with what the socket said as the cause
     */
    static void checkSocketOptions(Map<SocketOption<?>, Object> options) throws IOException {
        if (options.isEmpty()) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open()) {
            for (Map.Entry<SocketOption<?>, Object> o : options.entrySet()) {
                try {
                    set(probe, o.getKey(), o.getValue());
                } catch (UnsupportedOperationException | IllegalArgumentException e) {
                    throw new IllegalArgumentException("socket option " + o.getKey().name() + " = " + o.getValue()
                            + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** ConnectionOptions checked that {@code value} is of the option's type. */
    @SuppressWarnings("unchecked")
    private static <T> void set(SocketChannel ch, SocketOption<T> option, Object value) throws IOException {
        ch.setOption(option, (T) value);
    }

    Admission(ReactorImpl reactor, Stats stats, Config config) {
        this.reactor = reactor;
        this.stats = stats;
        this.maxConnections = config.maxConnections();
        this.maxConnectionsPerIp = config.maxConnectionsPerIp();
    }

    /**
     * Admits {@code ch}, framed by {@code codec}, over {@code transport} (null for plain TCP).
     *
     * @return the open, registered connection; or null if it was refused or failed (then closed, and
     *         {@code failure[0]} says why, for an outbound connect's future)
     */
    Conn admit(SocketChannel ch, FrameCodec codec, boolean outbound, Throwable[] failure, Transport transport) {
        Conn c;
        try {
            InetSocketAddress remote = (InetSocketAddress) ch.getRemoteAddress(); // configured by its acceptor or connector
            InetSocketAddress local = (InetSocketAddress) ch.getLocalAddress();
            FrameDecoder decoder = newDecoder(codec, remote);
            SelectionKey key = ch.register(reactor.loop.selector(), SelectionKey.OP_READ, null);
            c = new Conn(reactor, nextId++, transport != null ? transport : new SocketTransport(ch), key, codec,
                    decoder, remote, local, reactor.flow.newBucket(reactor.loopNanos()));
            key.attach(c);
            reactor.inbound.attach(decoder);
        } catch (IOException | RuntimeException e) {
            log.debug("dropping a connection that failed while being set up", e);
            failure[0] = e;
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing
            }
            return null;
        }
        stats.connectionsTotal++;
        Refusal refusal = reactor.registry.sizeUnchecked() >= maxConnections ? Refusal.TOO_MANY_CONNECTIONS
                : !countIp(c) ? Refusal.TOO_MANY_FROM_ADDRESS : null;
        if (refusal != null) {
            stats.connectionsRejected++;
            log.info("{}: refused: {}", c, refusal);
            failure[0] = new IllegalStateException("connection refused: " + refusal);
            if (outbound) {
                c.closeNow(null);
            } else {
                reactor.callbacks.refused(c, refusal);
                c.closeGracefully(null);
            }
            return null;
        }
        c.heardFrom(reactor.loopNanos());
        reactor.registry.add(c);
        c.announced = true;
        if (!reactor.callbacks.opened(c)) {
            failure[0] = new IOException("onOpen failed; connection closed");
            return null;
        }
        return c;
    }

    /**
     * Whether one more TLS handshake from {@code ip} fits under the connection limits, counting handshakes in
     * progress: one address cannot hold every slot with handshakes it never finishes.
     *
     * @return null if it fits, else why not
     */
    Refusal roomForHandshake(InetAddress ip) {
        if (reactor.registry.sizeUnchecked() + reactor.handshakeCount() >= maxConnections) {
            return Refusal.TOO_MANY_CONNECTIONS;
        }
        if (maxConnectionsPerIp != Integer.MAX_VALUE
                && count(perIp, ip) + count(handshakesPerIp, ip) >= maxConnectionsPerIp) {
            return Refusal.TOO_MANY_FROM_ADDRESS;
        }
        return null;
    }

    /** An accepted TLS handshake from {@code ip} began; null for an outbound one, which is not counted. */
    void handshakeStarted(InetAddress ip) {
        if (ip != null && maxConnectionsPerIp != Integer.MAX_VALUE) {
            handshakesPerIp.computeIfAbsent(ip, a -> new int[1])[0]++;
        }
    }

    /** The handshake of {@link #handshakeStarted} ended, whatever its outcome. */
    void handshakeEnded(InetAddress ip) {
        if (ip != null && maxConnectionsPerIp != Integer.MAX_VALUE) {
            int[] n = handshakesPerIp.get(ip);
            if (n != null && --n[0] == 0) {
                handshakesPerIp.remove(ip);
            }
        }
    }

    private static int count(Map<InetAddress, int[]> counts, InetAddress ip) {
        int[] n = counts.get(ip);
        return n == null ? 0 : n[0];
    }

    /** The codec's decoder for a new connection; a codec that throws refuses it (logged, counted). */
    private FrameDecoder newDecoder(FrameCodec codec, InetSocketAddress remote) throws IOException {
        try {
            FrameDecoder d = codec.newDecoder();
            if (d == null) {
                throw new NullPointerException("newDecoder() returned null");
            }
            return d;
        } catch (RuntimeException | LinkageError e) {
            stats.protocolErrors++;
            log.warn("codec {} failed to make a decoder for a connection from {}; closing it", codec, remote, e);
            throw new IOException("codec " + codec + " failed to make a decoder", e);
        }
    }

    /** Counts {@code c} against its IP's cap; false if the cap is reached. */
    private boolean countIp(Conn c) {
        if (maxConnectionsPerIp == Integer.MAX_VALUE) {
            return true;
        }
        int[] count = perIp.computeIfAbsent(c.remote.getAddress(), a -> new int[1]);
        if (count[0] >= maxConnectionsPerIp) {
            return false;
        }
        count[0]++;
        c.countedByIp = true;
        return true;
    }

    /** {@code c} closed: it no longer counts against its IP's cap. */
    void release(Conn c) {
        if (!c.countedByIp) {
            return;
        }
        c.countedByIp = false;
        int[] count = perIp.get(c.remote.getAddress());
        if (count != null && --count[0] == 0) {
            perIp.remove(c.remote.getAddress());
        }
    }
}
