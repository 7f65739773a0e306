package io.chatnio;

/**
 * A snapshot of a reactor's counters, all since it started unless said otherwise. Immutable.
 *
 * @param connectionsOpen       connections open now
 * @param connectionsTotal      connections accepted in total
 * @param connectionsRejected   connections refused by a limit (max connections, per-IP cap)
 * @param messagesIn            frames decoded
 * @param bytesIn               bytes read from sockets (over TLS: plaintext bytes, after decryption)
 * @param messagesOut           frames queued for sending (a fan-out counts once per recipient)
 * @param bytesOut              bytes written to sockets (over TLS: plaintext bytes, before encryption)
 * @param messagesDropped       frames discarded by a slow-consumer drop policy
 * @param slowConsumerCloses    connections closed by the slow-consumer disconnect policy
 * @param protocolErrors        connections closed for bad input (bad frames, handler errors, rate limit)
 * @param idleCloses            connections closed by the idle timeout or a missed heartbeat
 * @param loopPasses            passes of the event loop
 * @param longestPassNanos      the longest loop pass, not counting time spent waiting in select
 * @param pendingOutboundBytes  encoded bytes queued and not yet written, over all connections, now
 * @param bufferedInboundBytes  bytes of incomplete (or paused) inbound frames held, over all connections, now
 * @param tlsHandshakes         TLS handshakes completed
 * @param tlsFailures           TLS connections closed because their handshake failed or timed out, or for a TLS
 *                              protocol error (each is logged with its reason)
 */
public record ReactorStats(
        long connectionsOpen,
        long connectionsTotal,
        long connectionsRejected,
        long messagesIn,
        long bytesIn,
        long messagesOut,
        long bytesOut,
        long messagesDropped,
        long slowConsumerCloses,
        long protocolErrors,
        long idleCloses,
        long loopPasses,
        long longestPassNanos,
        long pendingOutboundBytes,
        long bufferedInboundBytes,
        long tlsHandshakes,
        long tlsFailures) {
}
