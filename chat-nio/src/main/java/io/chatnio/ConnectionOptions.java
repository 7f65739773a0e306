package io.chatnio;

import java.net.SocketOption;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-endpoint settings of a listener ({@link Reactor#bind(java.net.SocketAddress, ConnectionOptions)}) or
 * of an outbound connection ({@link Reactor#connect(java.net.SocketAddress, ConnectionOptions)}): every
 * connection it yields uses them. One reactor may serve several framings, one per listener, and route
 * between them: a fan-out is encoded once per distinct codec among its recipients.
 *
 * <p>Immutable and thread-safe; the {@code with} methods return a copy.
 */
public final class ConnectionOptions {
    private static final ConnectionOptions DEFAULTS =
            new ConnectionOptions(null, Duration.ofSeconds(10), null, Map.of());

    /** The framing, or null for the reactor's ({@link ReactorBuilder#codec}). */
    private final FrameCodec codec;
    /** How long an outbound connect may take; positive. Unused by listeners. */
    private final Duration connectTimeout;
    /** TLS, or null for plain TCP. */
    private final TlsOptions tls;
    /** Socket options for each connection, in the order given; unmodifiable, values of each option's type. */
    private final Map<SocketOption<?>, Object> socketOptions;

    private ConnectionOptions(FrameCodec codec, Duration connectTimeout, TlsOptions tls,
                              Map<SocketOption<?>, Object> socketOptions) {
        this.codec = codec;
        this.connectTimeout = connectTimeout;
        this.tls = tls;
        this.socketOptions = socketOptions;
    }

    /** The reactor's codec; a 10 s connect timeout. */
    public static ConnectionOptions defaults() {
        return DEFAULTS;
    }

    /** The framing of these connections instead of the reactor's. */
    public ConnectionOptions withCodec(FrameCodec codec) {
        return new ConnectionOptions(Objects.requireNonNull(codec, "codec"), connectTimeout, tls, socketOptions);
    }

    /** How long an outbound connect may take before its future fails with a timeout. Default 10 s. */
    public ConnectionOptions withConnectTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive: " + timeout);
        }
        return new ConnectionOptions(codec, timeout, tls, socketOptions);
    }

    /**
     * TLS under the codec: {@link TlsOptions#server} for a listener, {@link TlsOptions#client} for a connect.
     * Default none (plain TCP).
     */
    public ConnectionOptions withTls(TlsOptions tls) {
        return new ConnectionOptions(codec, connectTimeout, Objects.requireNonNull(tls, "tls"), socketOptions);
    }

    /**
     * A socket option of every connection: for example {@code StandardSocketOptions.SO_SNDBUF},
     * {@code SO_RCVBUF}, {@code SO_KEEPALIVE}, {@code SO_LINGER}, {@code TCP_NODELAY}, {@code IP_TOS}, or a
     * {@code jdk.net.ExtendedSocketOptions} option the platform supports. Applied to each accepted socket as
     * it is accepted (TLS: before its handshake), and to an outbound socket before it connects; a listener
     * also sets {@code SO_RCVBUF} on its listening socket before binding, so that accepted sockets can
     * negotiate a window above 64 KiB. The library turns {@code TCP_NODELAY} on for every connection (it
     * batches its own writes); an option given here is applied after that, so it wins. Setting an option
     * again replaces its value.
     *
     * <p>Checked when the listener binds (which then fails) or when the connect starts (whose future then
     * fails): an option a TCP socket does not support, or a value it refuses.
     *
     * @throws NullPointerException if {@code option} or {@code value} is null
     * @throws IllegalArgumentException if {@code value} is not of the option's type
     */
    public <T> ConnectionOptions withSocketOption(SocketOption<T> option, T value) {
        Objects.requireNonNull(option, "option");
        Objects.requireNonNull(value, "value");
        if (!option.type().isInstance(value)) {
            throw new IllegalArgumentException(option.name() + " takes a " + option.type().getSimpleName()
                    + ", not " + value.getClass().getSimpleName());
        }
        Map<SocketOption<?>, Object> copy = new LinkedHashMap<>(socketOptions);
        copy.put(option, value);
        return new ConnectionOptions(codec, connectTimeout, tls, Collections.unmodifiableMap(copy));
    }

    /** The socket options given with {@link #withSocketOption}, in the order given; empty by default. */
    public Map<SocketOption<?>, Object> socketOptions() {
        return socketOptions;
    }

    /** The TLS settings, or {@code null} for plain TCP. */
    public TlsOptions tls() {
        return tls;
    }

    /** The framing, or {@code null} for the reactor's. */
    public FrameCodec codec() {
        return codec;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    @Override
    public String toString() {
        return "ConnectionOptions(codec=" + (codec == null ? "reactor's" : codec) + ", connectTimeout="
                + connectTimeout + (tls == null ? "" : ", " + tls)
                + (socketOptions.isEmpty() ? "" : ", socketOptions=" + socketOptions) + ")";
    }
}
