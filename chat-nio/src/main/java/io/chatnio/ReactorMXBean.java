package io.chatnio;

/**
 * The reactor's counters over JMX, registered as {@code io.chatnio:type=Reactor,name=<loop thread name>}
 * when {@link ReactorBuilder#jmx(boolean)} is on. Every getter reads a fresh {@link ReactorStats} snapshot.
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
