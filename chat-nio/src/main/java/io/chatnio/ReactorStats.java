package io.chatnio;

/**
 * A snapshot of a reactor's counters, all since it started. Immutable.
 *
 * @param connectionsOpen      connections open now
 * @param connectionsTotal     connections accepted in total
 * @param connectionsRejected  connections refused by a limit
 * @param messagesIn           frames decoded
 * @param bytesIn              bytes read from sockets
 * @param messagesOut          frames queued for sending (a fan-out counts once per recipient)
 * @param bytesOut             bytes written to sockets
 * @param messagesDropped      frames discarded by a slow-consumer drop policy
 * @param slowConsumerCloses   connections closed by the slow-consumer disconnect policy
 * @param protocolErrors       connections closed for bad input (bad frames, handler errors)
 * @param loopPasses           passes of the event loop
 * @param longestPassNanos     the longest loop pass, not counting time spent waiting in select
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
        long loopPasses,
        long longestPassNanos) {
}
