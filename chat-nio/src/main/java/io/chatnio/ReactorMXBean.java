package io.chatnio;

/**
 * The reactor's counters over JMX, registered as {@code io.chatnio:type=Reactor,name=<loop thread name>}
 * when {@link ReactorBuilder#jmx(boolean)} is on. Every getter reads the snapshot the loop last published
 * (whenever it may wait, and at least every 64 passes): a JMX client never waits for, or disturbs, the loop.
 */
public interface ReactorMXBean {
    long getConnectionsOpen();

    long getConnectionsTotal();

    long getConnectionsRejected();

    long getMessagesIn();

    long getBytesIn();

    long getMessagesOut();

    long getBytesOut();

    long getMessagesDropped();

    long getSlowConsumerCloses();

    long getProtocolErrors();

    long getIdleCloses();

    long getLoopPasses();

    long getLongestPassNanos();

    long getPendingOutboundBytes();

    long getBufferedInboundBytes();
}
