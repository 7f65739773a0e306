package io.chatnio.internal;

import io.chatnio.Reactor;
import io.chatnio.ReactorMXBean;

/**
 * The JMX view of a reactor's counters. JMX calls arrive on JMX threads; each getter takes a fresh snapshot
 * through {@link Reactor#stats()}, which asks the loop.
 */
final class JmxStats implements ReactorMXBean {
    private final Reactor reactor;

    JmxStats(Reactor reactor) {
        this.reactor = reactor;
    }

    @Override
    public long getConnectionsOpen() {
        return reactor.stats().connectionsOpen();
    }

    @Override
    public long getConnectionsTotal() {
        return reactor.stats().connectionsTotal();
    }

    @Override
    public long getConnectionsRejected() {
        return reactor.stats().connectionsRejected();
    }

    @Override
    public long getMessagesIn() {
        return reactor.stats().messagesIn();
    }

    @Override
    public long getBytesIn() {
        return reactor.stats().bytesIn();
    }

    @Override
    public long getMessagesOut() {
        return reactor.stats().messagesOut();
    }

    @Override
    public long getBytesOut() {
        return reactor.stats().bytesOut();
    }

    @Override
    public long getMessagesDropped() {
        return reactor.stats().messagesDropped();
    }

    @Override
    public long getSlowConsumerCloses() {
        return reactor.stats().slowConsumerCloses();
    }

    @Override
    public long getProtocolErrors() {
        return reactor.stats().protocolErrors();
    }

    @Override
    public long getIdleCloses() {
        return reactor.stats().idleCloses();
    }

    @Override
    public long getLoopPasses() {
        return reactor.stats().loopPasses();
    }

    @Override
    public long getLongestPassNanos() {
        return reactor.stats().longestPassNanos();
    }

    @Override
    public long getPendingOutboundBytes() {
        return reactor.stats().pendingOutboundBytes();
    }

    @Override
    public long getBufferedInboundBytes() {
        return reactor.stats().bufferedInboundBytes();
    }
}
