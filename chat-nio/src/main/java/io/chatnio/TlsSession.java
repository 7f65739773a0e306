package io.chatnio;

/**
 * What a TLS connection's handshake settled ({@link Connection#tls()}). Immutable.
 *
 * @param protocol            {@code "TLSv1.3"} or {@code "TLSv1.2"}
 * @param cipherSuite         the negotiated cipher suite
 * @param serverName          the server name the client asked for (SNI), or {@code null} if it sent none
 * @param applicationProtocol the ALPN protocol agreed on, or {@code null} if none was
 */
public record TlsSession(String protocol, String cipherSuite, String serverName, String applicationProtocol) {
}
