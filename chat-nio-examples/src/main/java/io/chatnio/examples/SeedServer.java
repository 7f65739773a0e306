package io.chatnio.examples;

import io.chatnio.Connection;
import io.chatnio.ConnectionListener;
import io.chatnio.ConnectionOptions;
import io.chatnio.FrameCodec;
import io.chatnio.FrameDecoder;
import io.chatnio.Reactor;
import io.chatnio.Refusal;
import io.chatnio.ReactorBuilder;
import io.chatnio.Router;
import io.chatnio.Routers;
import io.chatnio.TlsOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed chat server on a chat-nio {@link Reactor}: {@code IP:PORT:MESSAGE} is delivered to the client
 * connected from {@code IP:PORT} as {@code <senderPort> 账户对您说:<MESSAGE> \n}. See {@code docs/protocol.md}.
 * Used by the {@code server} subcommand ({@code --protocol seed}, the default).
 *
 * <p>Every reply the server writes ends with {@code "\n"} whatever the inbound framing: with
 * {@link Framing#LINES} the lines codec appends it; with {@link Framing#RAW} the inbound side is
 * {@link FrameCodec#raw(int)} and the outbound side appends the same {@code "\n"}, so the bytes on the wire are
 * identical in both framings (delivered messages, the offline notice and error lines alike).
 *
 * <p>With {@link Options#tls()} the port speaks TLS instead of plain TCP ({@link ConnectionOptions#withTls}); the
 * protocol, framings and limits are the same, since the library decrypts below the codec.
 *
 * <p><b>Threading.</b> {@link #start} may be called from any thread and returns once the server is accepting.
 * The routing runs on the reactor's one loop thread. {@link #address()}, {@link #reactor()} and
 * {@link #close()} may be called from any thread; off the loop thread {@link #close()} waits for the loop to
 * end, on it (from a handler) it only starts the shutdown.
 */
public final class SeedServer implements ExampleServer {
    private static final Logger log = LoggerFactory.getLogger(SeedServer.class);

    /** Between the sender's port and the message: {@code " 账户对您说:"}. */
    private static final byte[] SAYS = " 账户对您说:".getBytes(StandardCharsets.UTF_8);
    /** Sent to the sender when no client is connected from the target address (the codec adds "\n"). */
    static final String OFFLINE = "对方已下线!";
    /** Starts every error line (the codec adds "\n"). */
    static final String ERROR_PREFIX = "ERR ";
    /** Sent to a connection refused by a connection limit, before it is closed. */
    static final String TOO_MANY_CONNECTIONS = "ERR too many connections";
    /** Sent to a connection over its rate under {@code --rate-action DISCONNECT}, before it is closed. */
    static final String RATE_LIMIT_EXCEEDED = "ERR rate limit exceeded";

    /**
     * The seed protocol's replies to refused connections (the library itself writes nothing to them), and each
     * connection's open and close logged at DEBUG.
     */
    private static final ConnectionListener LIFECYCLE = new ConnectionListener() {
        @Override
        public void onOpen(Connection connection) {
            log.debug("{} opened", connection);
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            log.debug("{} closed{}", connection, cause == null ? "" : ": " + cause);
        }

        @Override
        public void onRefused(Connection connection, Refusal reason) {
            connection.send(reason == Refusal.RATE_LIMITED ? RATE_LIMIT_EXCEEDED : TOO_MANY_CONNECTIONS);
        }
    };

    private final Reactor reactor;
    private final InetSocketAddress address;

    private SeedServer(Reactor reactor, InetSocketAddress address) {
        this.reactor = reactor;
        this.address = address;
    }

    /** How the inbound byte stream is cut into messages. Replies always end with {@code "\n"}. */
    public enum Framing {
        /** A message ends at {@code "\n"}; {@code "\r\n"} is tolerated. */
        LINES,
        /** No framing, as the original seed client: whatever one read returns is one message. */
        RAW;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Server settings.
     *
     * @param host           address to listen on (a literal or a name)
     * @param port           port to listen on; 0 picks a free one
     * @param framing        inbound framing
     * @param maxFrame       largest inbound message in bytes (lines: excluding the line end; raw: largest read)
     * @param idleTimeout    close connections that sent nothing for that long; {@link Duration#ZERO} for never
     * @param maxConnections most connections open at once, 0 for no limit; an excess connection receives
     *                       {@code ERR too many connections\n} and is closed
     * @param tls            TLS on the listening port, a {@link TlsOptions#server} side; {@code null} for plain
     *                       TCP. Every framing and limit works the same over TLS: the codec sees the
     *                       decrypted bytes.
     */
    public record Options(String host, int port, Framing framing, int maxFrame,
                          Duration idleTimeout, int maxConnections, TlsOptions tls) {

        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(framing, "framing");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
            if (maxFrame <= 0 || maxFrame > Integer.MAX_VALUE - 2) {
                throw new IllegalArgumentException("maxFrame must be positive: " + maxFrame);
            }
            if (idleTimeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout must not be negative: " + idleTimeout);
            }
            if (maxConnections < 0) {
                throw new IllegalArgumentException("maxConnections must not be negative: " + maxConnections);
            }
            if (tls != null && tls.isClient()) {
                throw new IllegalArgumentException("tls must be a server side, TlsOptions.server(...): " + tls);
            }
        }

        /** Plain TCP. */
        public Options(String host, int port, Framing framing, int maxFrame, Duration idleTimeout,
                       int maxConnections) {
            this(host, port, framing, maxFrame, idleTimeout, maxConnections, null);
        }

        /**
         * 127.0.0.1:9999, lines framing, 65536-byte messages, no idle timeout, no limit, plain TCP.
         */
        public static Options defaults() {
            return new Options("127.0.0.1", 9999, Framing.LINES, 65536, Duration.ZERO, 0, null);
        }

        public Options withHost(String host) {
            return new Options(host, port, framing, maxFrame, idleTimeout, maxConnections, tls);
        }

        public Options withPort(int port) {
            return new Options(host, port, framing, maxFrame, idleTimeout, maxConnections, tls);
        }

        public Options withFraming(Framing framing) {
            return new Options(host, port, framing, maxFrame, idleTimeout, maxConnections, tls);
        }

        public Options withMaxFrame(int maxFrame) {
            return new Options(host, port, framing, maxFrame, idleTimeout, maxConnections, tls);
        }

        public Options withIdleTimeout(Duration idleTimeout) {
            return new Options(host, port, framing, maxFrame, idleTimeout, maxConnections, tls);
        }

        public Options withMaxConnections(int maxConnections) {
            return new Options(host, port, framing, maxFrame, idleTimeout, maxConnections, tls);
        }

        /** TLS on the listening port ({@link TlsOptions#server}), or {@code null} for plain TCP. */
        public Options withTls(TlsOptions tls) {
            return new Options(host, port, framing, maxFrame, idleTimeout, maxConnections, tls);
        }

        /** What {@link #start} passes to {@link Reactor#bind(java.net.SocketAddress, ConnectionOptions)}. */
        ConnectionOptions listener() {
            return tls == null ? ConnectionOptions.defaults() : ConnectionOptions.defaults().withTls(tls);
        }
    }

    /**
     * Starts a reactor speaking the seed protocol and binds it. Any thread; returns once the server
     * accepts connections.
     *
     * @throws IOException if the address cannot be bound (the reactor is then closed again)
     */
    public static SeedServer start(Options options) throws IOException {
        return start(options, builder -> { });
    }

    /**
     * {@link #start(Options)}, with further reactor settings (rate limits, heartbeat, slow-consumer policies,
     * watermarks, JMX) applied by {@code tuning} after the options'.
     */
    public static SeedServer start(Options options, java.util.function.Consumer<ReactorBuilder> tuning)
            throws IOException {
        ReactorBuilder builder = Reactor.builder()
                .codec(codec(options))
                .router(router(), LIFECYCLE)
                .threadName("chat-nio-seed");
        if (!options.idleTimeout().isZero()) {
            builder.idleTimeout(options.idleTimeout());
        }
        if (options.maxConnections() > 0) {
            builder.maxConnections(options.maxConnections());
        }
        tuning.accept(builder);
        Reactor reactor = builder.start();
        try {
            InetSocketAddress bound =
                    reactor.bind(new InetSocketAddress(options.host(), options.port()), options.listener());
            log.info("seed protocol, {} framing, messages up to {} bytes, idle timeout {}, max connections {}, on {}{}",
                    options.framing(), options.maxFrame(),
                    options.idleTimeout().isZero() ? "none" : options.idleTimeout().toMillis() + " ms",
                    options.maxConnections() == 0 ? "unlimited" : options.maxConnections(), bound,
                    options.tls() == null ? "" : " over TLS " + options.tls().protocols());
            return new SeedServer(reactor, bound);
        } catch (IOException | RuntimeException e) {
            reactor.close();
            throw e;
        }
    }

    /** The address actually bound (with the real port if 0 was asked for). Any thread. */
    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** The reactor, for its {@link Reactor#stats()}. Any thread. */
    @Override
    public Reactor reactor() {
        return reactor;
    }

    /**
     * Graceful shutdown: stops accepting, writes what is queued (up to the reactor's close timeout of 5 s),
     * closes every connection and, off the loop thread, waits for the loop to end. Idempotent. Any thread.
     */
    @Override
    public void close() {
        reactor.close();
    }

    private static Router router() {
        Routers.Envelope says = (sender, body, out) ->
                out.putDecimal(sender.remoteAddress().getPort()).put(SAYS).put(body).put((byte) ' ');
        return Routers.direct(Routers.byAddress(), says, OFFLINE, ERROR_PREFIX);
    }

    private static FrameCodec codec(Options options) {
        return switch (options.framing()) {
            case LINES -> FrameCodec.lines(options.maxFrame());
            case RAW -> new RawInLinesOut(FrameCodec.raw(options.maxFrame()));
        };
    }

    /**
     * Inbound as {@code raw} (one read, one message), outbound with a {@code "\n"} after every payload, like
     * the lines codec. The routers' offline notice and error lines have no suffix of their own, so this is how
     * replies end with the same bytes as in lines framing. Immutable; any thread.
     */
    private record RawInLinesOut(FrameCodec raw) implements FrameCodec {
        private static final byte[] NEWLINE = {'\n'};

        @Override
        public FrameDecoder newDecoder() {
            return raw.newDecoder();
        }

        @Override
        public int maxFrameLength() {
            return raw.maxFrameLength();
        }

        @Override
        public int headerLength() {
            return 0;
        }

        @Override
        public void writeHeader(ByteBuffer dst, int index, int payloadLength) {
            throw new UnsupportedOperationException("no header");
        }

        @Override
        public byte[] trailer() {
            return NEWLINE;
        }
    }
}
