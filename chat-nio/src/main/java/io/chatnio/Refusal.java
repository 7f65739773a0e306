package io.chatnio;

/**
 * Why the reactor turns a connection away ({@link ConnectionListener#onRefused}). The library writes nothing
 * of its own to a refused connection: what, if anything, it is told is the application's choice.
 */
public enum Refusal {
    /** Accepted while {@link ReactorBuilder#maxConnections} were open. */
    TOO_MANY_CONNECTIONS,
    /** Accepted while {@link ReactorBuilder#maxConnectionsPerIp} were open from its address. */
    TOO_MANY_FROM_ADDRESS,
    /** Sent a message with its {@link RateLimit} bucket empty, under {@link RateLimit.Action#DISCONNECT}. */
    RATE_LIMITED
}
