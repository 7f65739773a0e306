package io.chatnio;

import java.time.Duration;
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
    private static final ConnectionOptions DEFAULTS = new ConnectionOptions(null, Duration.ofSeconds(10), null);

    /** The framing, or null for the reactor's ({@link ReactorBuilder#codec}). */
    private final FrameCodec codec;
    /** How long an outbound connect may take; positive. Unused by listeners. */
    private final Duration connectTimeout;
    /** TLS, or null for plain TCP. */
    private final TlsOptions tls;

    private ConnectionOptions(FrameCodec codec, Duration connectTimeout, TlsOptions tls) {
        this.codec = codec;
        this.connectTimeout = connectTimeout;
        this.tls = tls;
    }

    /** The reactor's codec; a 10 s connect timeout. */
    public static ConnectionOptions defaults() {
        return DEFAULTS;
    }

    /** The framing of these connections instead of the reactor's. */
    public ConnectionOptions withCodec(FrameCodec codec) {
        return new ConnectionOptions(Objects.requireNonNull(codec, "codec"), connectTimeout, tls);
    }

    /** How long an outbound connect may take before its future fails with a timeout. Default 10 s. */
    public ConnectionOptions withConnectTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive: " + timeout);
        }
        return new ConnectionOptions(codec, timeout, tls);
    }

    /**
     * TLS under the codec: {@link TlsOptions#server} for a listener, {@link TlsOptions#client} for a connect.
     * Default none (plain TCP).
     */
    public ConnectionOptions withTls(TlsOptions tls) {
        return new ConnectionOptions(codec, connectTimeout, Objects.requireNonNull(tls, "tls"));
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
                + connectTimeout + (tls == null ? "" : ", " + tls) + ")";
    }
}
