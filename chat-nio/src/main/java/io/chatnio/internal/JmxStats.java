package io.chatnio.internal;

import io.chatnio.ReactorMXBean;
import io.chatnio.ReactorStats;
import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JMX view of a reactor's counters: every getter reads the snapshot the loop last published, so a JMX
 * client never waits for the loop or adds work to it.
 *
 * <p><b>Threading.</b> Getters run on JMX threads; {@link #register} and {@link #unregister} on any one thread.
 */
final class JmxStats implements ReactorMXBean {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);

    private final Stats stats;
    /** The registered name, or null. */
    private volatile ObjectName name;

    JmxStats(Stats stats) {
        this.stats = stats;
    }

    /** Registers as {@code io.chatnio:type=Reactor,name=<loopName>}; a failure is logged, not thrown. */
    void register(String loopName) {
        try {
            ObjectName n = new ObjectName("io.chatnio:type=Reactor,name=" + ObjectName.quote(loopName));
            ManagementFactory.getPlatformMBeanServer().registerMBean(this, n);
            name = n;
        } catch (Exception | LinkageError e) {
            log.warn("could not register the JMX MBean", e);
        }
    }

    void unregister() {
        ObjectName n = name;
        if (n != null) {
            name = null;
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(n);
            } catch (Exception | LinkageError e) {
                log.debug("could not unregister the JMX MBean", e);
            }
        }
    }

    private ReactorStats s() {
        return stats.published();
    }

    @Override
    public long getConnectionsOpen() {
        return s().connectionsOpen();
    }

    @Override
    public long getConnectionsTotal() {
        return s().connectionsTotal();
    }

    @Override
    public long getConnectionsRejected() {
        return s().connectionsRejected();
    }

    @Override
    public long getMessagesIn() {
        return s().messagesIn();
    }

    @Override
    public long getBytesIn() {
        return s().bytesIn();
    }

    @Override
    public long getMessagesOut() {
        return s().messagesOut();
    }

    @Override
    public long getBytesOut() {
        return s().bytesOut();
    }

    @Override
    public long getMessagesDropped() {
        return s().messagesDropped();
    }

    @Override
    public long getSlowConsumerCloses() {
        return s().slowConsumerCloses();
    }

    @Override
    public long getProtocolErrors() {
        return s().protocolErrors();
    }

    @Override
    public long getIdleCloses() {
        return s().idleCloses();
    }

    @Override
    public long getLoopPasses() {
        return s().loopPasses();
    }

    @Override
    public long getLongestPassNanos() {
        return s().longestPassNanos();
    }

    @Override
    public long getPendingOutboundBytes() {
        return s().pendingOutboundBytes();
    }

    @Override
    public long getBufferedInboundBytes() {
        return s().bufferedInboundBytes();
    }
}
