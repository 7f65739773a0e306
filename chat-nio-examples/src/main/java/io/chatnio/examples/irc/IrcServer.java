package io.chatnio.examples.irc;

import io.chatnio.ConnectionOptions;
import io.chatnio.FrameCodec;
import io.chatnio.Reactor;
import io.chatnio.ReactorBuilder;
import io.chatnio.TlsOptions;
import io.chatnio.examples.ExampleServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client-to-server IRC server on a chat-nio {@link Reactor}: the subset of RFC 1459/2812 and the "Modern IRC
 * client protocol" document that real clients (irssi, WeeChat, ii) need to register, join channels, talk, and
 * leave. The commands, numerics and limits are listed in {@code docs/protocol.md}.
 *
 * <p>Lines are the library's line codec with a maximum of 510 bytes before the line end, so a line is at most
 * 512 bytes with its CR LF (LF alone is accepted too); a longer line closes that connection, as the codec does
 * with any over-long frame. Every line the server writes ends with CR LF: the server puts the CR, the codec the
 * LF. The server's liveness checks are IRC PINGs: after {@link Options#pingInterval()} of silence a client is
 * sent {@code PING :<server>}, and it is closed if nothing at all arrives within {@link Options#pingTimeout()}
 * (the library's heartbeat: any line, not only a PONG, counts).
 *
 * <p><b>Threading.</b> {@link #start} may be called from any thread and returns once the server is accepting.
 * All IRC state (per connection in the connections' attributes, channels and nicks in maps) is owned by the
 * reactor's one loop thread. {@link #address()}, {@link #reactor()} and {@link #close()} may be called from any
 * thread; {@link #summary()} on the loop thread only.
 */
public final class IrcServer implements ExampleServer {
    private static final Logger log = LoggerFactory.getLogger(IrcServer.class);

    /** The version in RPL_YOURHOST and RPL_MYINFO. */
    static final String VERSION = "chat-nio-examples-0.1";
    /** Most bytes of a line before its CR LF (RFC 1459: 512 with them). */
    public static final int MAX_LINE = 510;

    private final Reactor reactor;
    private final InetSocketAddress address;
    private final IrcHandler handler;

    private IrcServer(Reactor reactor, InetSocketAddress address, IrcHandler handler) {
        this.reactor = reactor;
        this.address = address;
        this.handler = handler;
    }

    /**
     * Server settings.
     *
     * @param host           address to listen on (a literal or a resolvable name)
     * @param port           port to listen on; 0 picks a free one
     * @param serverName     the server's name, the source of its own lines; one token, no spaces
     * @param network        the network name (RPL_WELCOME, {@code NETWORK=})
     * @param motd           the message of the day, one entry per line; empty for none (422)
     * @param pingInterval   send {@code PING} to a client silent this long; {@link Duration#ZERO} for never
     * @param pingTimeout    close a pinged client that sends nothing for this long after the PING
     * @param idleTimeout    close a client silent this long whatever the pings; {@link Duration#ZERO} for never
     * @param maxConnections most connections open at once, 0 for no limit; an excess one gets an ERROR line
     * @param tls            TLS on the listening port ({@link TlsOptions#server}); {@code null} for plain TCP
     */
    public record Options(String host, int port, String serverName, String network, List<String> motd,
                          Duration pingInterval, Duration pingTimeout, Duration idleTimeout, int maxConnections,
                          TlsOptions tls) {

        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(pingInterval, "pingInterval");
            Objects.requireNonNull(pingTimeout, "pingTimeout");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            motd = List.copyOf(motd);
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
            if (serverName.isEmpty() || !serverName.matches("[A-Za-z0-9.-]{1,63}")) {
                throw new IllegalArgumentException("serverName must be 1 to 63 letters, digits, '.' or '-': "
                        + serverName);
            }
            if (network.isEmpty() || network.length() > 50 || network.indexOf(' ') >= 0) {
                throw new IllegalArgumentException("network must be 1 to 50 characters without spaces: " + network);
            }
            if (pingInterval.isNegative() || pingTimeout.isNegative() || pingTimeout.isZero()
                    || idleTimeout.isNegative()) {
                throw new IllegalArgumentException("pingInterval and idleTimeout must not be negative, pingTimeout "
                        + "must be positive");
            }
            if (maxConnections < 0) {
                throw new IllegalArgumentException("maxConnections must not be negative: " + maxConnections);
            }
            if (tls != null && tls.isClient()) {
                throw new IllegalArgumentException("tls must be a server side, TlsOptions.server(...): " + tls);
            }
        }

        /** 127.0.0.1:6667, server {@code chat-nio.local} on network {@code chat-nio}, a short MOTD, no pings. */
        public static Options defaults() {
            return new Options("127.0.0.1", 6667, "chat-nio.local", "chat-nio",
                    List.of("This is chat-nio's example IRC server: one thread, one selector.",
                            "Commands and limits: docs/protocol.md."),
                    Duration.ZERO, Duration.ofSeconds(10), Duration.ZERO, 0, null);
        }

        public Options withHost(String host) {
            return new Options(host, port, serverName, network, motd, pingInterval, pingTimeout, idleTimeout,
                    maxConnections, tls);
        }

        public Options withPort(int port) {
            return new Options(host, port, serverName, network, motd, pingInterval, pingTimeout, idleTimeout,
                    maxConnections, tls);
        }

        public Options withMotd(List<String> motd) {
            return new Options(host, port, serverName, network, motd, pingInterval, pingTimeout, idleTimeout,
                    maxConnections, tls);
        }

        /** PING a client silent for {@code interval}; close it if silent {@code timeout} longer. */
        public Options withPings(Duration interval, Duration timeout) {
            return new Options(host, port, serverName, network, motd, interval, timeout, idleTimeout,
                    maxConnections, tls);
        }

        public Options withIdleTimeout(Duration idleTimeout) {
            return new Options(host, port, serverName, network, motd, pingInterval, pingTimeout, idleTimeout,
                    maxConnections, tls);
        }

        public Options withMaxConnections(int maxConnections) {
            return new Options(host, port, serverName, network, motd, pingInterval, pingTimeout, idleTimeout,
                    maxConnections, tls);
        }

        public Options withTls(TlsOptions tls) {
            return new Options(host, port, serverName, network, motd, pingInterval, pingTimeout, idleTimeout,
                    maxConnections, tls);
        }
    }

    /** {@link #start(Options, Consumer)} with no further settings. */
    public static IrcServer start(Options options) throws IOException {
        return start(options, builder -> { });
    }

    /**
     * Starts a reactor speaking IRC and binds it. Any thread; returns once the server accepts connections.
     * {@code tuning} may add reactor settings (rate limit, slow-consumer policies, JMX); it runs after the
     * options are applied.
     *
     * @throws IOException if the address cannot be bound (the reactor is then closed again)
     */
    public static IrcServer start(Options options, Consumer<ReactorBuilder> tuning) throws IOException {
        IrcHandler handler = new IrcHandler(options, Clock.systemUTC());
        ReactorBuilder builder = Reactor.builder()
                .codec(FrameCodec.lines(MAX_LINE))
                .handler(handler)
                .threadName("chat-nio-irc");
        if (!options.pingInterval().isZero()) {
            builder.heartbeat(options.pingInterval(), options.pingTimeout(),
                    ("PING :" + options.serverName() + "\r").getBytes(StandardCharsets.US_ASCII));
        }
        if (!options.idleTimeout().isZero()) {
            builder.idleTimeout(options.idleTimeout());
        }
        if (options.maxConnections() > 0) {
            builder.maxConnections(options.maxConnections());
        }
        tuning.accept(builder);
        Reactor reactor = builder.start();
        try {
            InetSocketAddress bound = reactor.bind(new InetSocketAddress(options.host(), options.port()),
                    options.tls() == null ? ConnectionOptions.defaults()
                            : ConnectionOptions.defaults().withTls(options.tls()));
            log.info("irc protocol as {} on network {}, pings {}, idle timeout {}, max connections {}, on {}{}",
                    options.serverName(), options.network(),
                    options.pingInterval().isZero() ? "off" : "after " + options.pingInterval().toMillis()
                            + " ms of silence, answered within " + options.pingTimeout().toMillis() + " ms",
                    options.idleTimeout().isZero() ? "none" : options.idleTimeout().toMillis() + " ms",
                    options.maxConnections() == 0 ? "unlimited" : options.maxConnections(), bound,
                    options.tls() == null ? "" : " over TLS " + options.tls().protocols());
            return new IrcServer(reactor, bound, handler);
        } catch (IOException | RuntimeException e) {
            reactor.close();
            throw e;
        }
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public Reactor reactor() {
        return reactor;
    }

    /** {@code "<n> clients, <m> channels"}. Loop thread only. */
    @Override
    public String summary() {
        return handler.summary();
    }

    @Override
    public void close() {
        reactor.close();
    }
}
