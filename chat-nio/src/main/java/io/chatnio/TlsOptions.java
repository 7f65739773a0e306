package io.chatnio;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * TLS for a listener or an outbound connection ({@link ConnectionOptions#withTls}), on the JDK's
 * {@link javax.net.ssl.SSLEngine}: TLS 1.3 and 1.2 only, renegotiation refused, {@code close_notify} sent and
 * honoured. A server side presents the certificate of its {@link SSLContext}'s key manager; a client side
 * verifies the server's chain with the context's trust manager and, by default, its host name.
 *
 * <p>A TLS connection is announced ({@link ConnectionListener#onOpen}, a connect future) only once its
 * handshake is done, so its {@link Connection#tls()} is known there; a connection whose handshake fails or
 * times out is closed, counted in {@link ReactorStats#tlsFailures()} and logged, and never opened.
 *
 * <p>Immutable and thread-safe; the {@code with} methods return a copy.
 */
public final class TlsOptions {
    private static final List<String> ALL_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final SSLContext context;
    /** Client side (we connect) or server side (we accept). */
    private final boolean client;
    /** A non-empty subset of TLSv1.3 and TLSv1.2. */
    private final List<String> protocols;
    /** ALPN: a server's preference order, or what a client offers; empty for none. */
    private final List<String> applicationProtocols;
    /** Positive. */
    private final Duration handshakeTimeout;
    /** Client only: the name sent as SNI and verified; null for the connect address's host string. */
    private final String serverName;
    /** Client only: whether the server's certificate must match {@link #serverName}. */
    private final boolean hostnameVerification;

    private TlsOptions(SSLContext context, boolean client, List<String> protocols, List<String> applicationProtocols,
                       Duration handshakeTimeout, String serverName, boolean hostnameVerification) {
        this.context = context;
        this.client = client;
        this.protocols = protocols;
        this.applicationProtocols = applicationProtocols;
        this.handshakeTimeout = handshakeTimeout;
        this.serverName = serverName;
        this.hostnameVerification = hostnameVerification;
    }

    /** The server side of TLS, for {@link Reactor#bind(java.net.SocketAddress, ConnectionOptions)}. */
    public static TlsOptions server(SSLContext context) {
        return new TlsOptions(Objects.requireNonNull(context, "context"), false, ALL_PROTOCOLS, List.of(),
                Duration.ofSeconds(10), null, true);
    }

    /**
     * The client side of TLS, for {@link Reactor#connect(java.net.SocketAddress, ConnectionOptions)}; host name
     * verification is on.
     */
    public static TlsOptions client(SSLContext context) {
        return new TlsOptions(Objects.requireNonNull(context, "context"), true, ALL_PROTOCOLS, List.of(),
                Duration.ofSeconds(10), null, true);
    }

    /**
     * The protocol versions allowed: any of {@code "TLSv1.3"} and {@code "TLSv1.2"}. Default both.
     *
     * @throws IllegalArgumentException for none, or for any other version
     */
    public TlsOptions withProtocols(String... protocols) {
        List<String> list = List.of(protocols);
        if (list.isEmpty() || !ALL_PROTOCOLS.containsAll(list)) {
            throw new IllegalArgumentException("protocols must be TLSv1.3 and/or TLSv1.2: " + list);
        }
        return new TlsOptions(context, client, list, applicationProtocols, handshakeTimeout, serverName,
                hostnameVerification);
    }

    /**
     * ALPN: a server picks the first of these that the client offers (and fails the handshake if the client
     * offers ALPN but none of these); a client offers them. Default none.
     */
    public TlsOptions withApplicationProtocols(String... protocols) {
        return new TlsOptions(context, client, this.protocols, List.of(protocols), handshakeTimeout, serverName,
                hostnameVerification);
    }

    /** How long a handshake may take from the connection's start. Default 10 s. */
    public TlsOptions withHandshakeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive: " + timeout);
        }
        return new TlsOptions(context, client, protocols, applicationProtocols, timeout, serverName,
                hostnameVerification);
    }

    /** Client: the server's name, sent as SNI and verified against its certificate. Default: the host string. */
    public TlsOptions withServerName(String name) {
        return new TlsOptions(context, client, protocols, applicationProtocols, handshakeTimeout,
                Objects.requireNonNull(name, "name"), hostnameVerification);
    }

    /** Client: whether the server's certificate must name the server. Default on; off only for tests. */
    public TlsOptions withHostnameVerification(boolean verify) {
        return new TlsOptions(context, client, protocols, applicationProtocols, handshakeTimeout, serverName, verify);
    }

    public SSLContext context() {
        return context;
    }

    public boolean isClient() {
        return client;
    }

    public List<String> protocols() {
        return protocols;
    }

    public List<String> applicationProtocols() {
        return applicationProtocols;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** Client: the configured server name, or {@code null} for the connect address's host string. */
    public String serverName() {
        return serverName;
    }

    public boolean hostnameVerification() {
        return hostnameVerification;
    }

    @Override
    public String toString() {
        return "TlsOptions(" + (client ? "client" : "server") + ", " + protocols
                + (applicationProtocols.isEmpty() ? "" : ", alpn " + applicationProtocols) + ")";
    }
}
