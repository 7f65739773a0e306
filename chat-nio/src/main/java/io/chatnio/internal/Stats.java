package io.chatnio.internal;

import io.chatnio.ReactorStats;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A reactor's counters. The loop increments plain fields, and publishes them to an array other threads read
 * ({@link #published()}) at the end of every pass after which it may wait, and at least every 64th pass; an
 * exact snapshot is only ever taken on the loop.
 *
 * <p>Publishing costs one release store per counter per pass (a plain store on x86), never a fence per
 * message, and gives readers off the loop a consistent-enough view without asking the busy loop.
 *
 * <p><b>Threading.</b> Fields and {@link #snapshot} are loop thread only; {@link #published()} any thread.
 */
final class Stats {
    long connectionsTotal;
    long connectionsRejected;
    long messagesIn;
    long bytesIn;
    long messagesOut;
    long bytesOut;
    long messagesDropped;
    long slowConsumerCloses;
    long protocolErrors;
    long idleCloses;
    long loopPasses;
    long longestPassNanos;
    /** Encoded bytes queued and not yet written, over all connections; kept by the write path. */
    long pendingOutboundBytes;
    /** Bytes of incomplete or held inbound frames, over all connections; kept by the read path. */
    long bufferedInboundBytes;
    /** Open (registered) connections. */
    long connectionsOpen;
    long tlsHandshakes;
    long tlsFailures;

    private static final int FIELDS = 17;
    /** The counters as of the end of the last pass, in {@link #snapshot} order. */
    private final AtomicLongArray published = new AtomicLongArray(FIELDS);

    /** The exact counters now. Only called on the loop thread. */
    ReactorStats snapshot() {
        return new ReactorStats(connectionsOpen, connectionsTotal, connectionsRejected, messagesIn, bytesIn,
                messagesOut, bytesOut, messagesDropped, slowConsumerCloses, protocolErrors, idleCloses, loopPasses,
                longestPassNanos, pendingOutboundBytes, bufferedInboundBytes, tlsHandshakes, tlsFailures);
    }

    /**
     * Ends a pass: counts it, and publishes every counter if the loop may wait next ({@code mayWait}) or every
     * 64th pass: a busy loop does not pay for publishing on every small pass, and an idle one is current.
     * Only called on the loop thread.
     */
    void passDone(long busyNanos, boolean mayWait) {
        loopPasses++;
        if (busyNanos > longestPassNanos) {
            longestPassNanos = busyNanos;
        }
        if (mayWait || (loopPasses & 63) == 0) {
            publish();
        }
    }

    /** Only called on the loop thread. */
    void publish() {
        AtomicLongArray p = published;
        p.lazySet(0, connectionsOpen);
        p.lazySet(1, connectionsTotal);
        p.lazySet(2, connectionsRejected);
        p.lazySet(3, messagesIn);
        p.lazySet(4, bytesIn);
        p.lazySet(5, messagesOut);
        p.lazySet(6, bytesOut);
        p.lazySet(7, messagesDropped);
        p.lazySet(8, slowConsumerCloses);
        p.lazySet(9, protocolErrors);
        p.lazySet(10, idleCloses);
        p.lazySet(11, loopPasses);
        p.lazySet(12, longestPassNanos);
        p.lazySet(13, pendingOutboundBytes);
        p.lazySet(14, bufferedInboundBytes);
        p.lazySet(15, tlsHandshakes);
        p.lazySet(16, tlsFailures);
    }

    /** The counters as the loop last published them. Any thread. */
    ReactorStats published() {
        AtomicLongArray p = published;
        return new ReactorStats(p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5), p.get(6), p.get(7),
                p.get(8), p.get(9), p.get(10), p.get(11), p.get(12), p.get(13), p.get(14), p.get(15), p.get(16));
    }
}
