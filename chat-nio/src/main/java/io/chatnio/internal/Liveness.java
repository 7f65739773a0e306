package io.chatnio.internal;

import io.chatnio.Connection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle timeout and heartbeat: a periodic sweep over the open connections that closes those silent for too
 * long and pings those silent for a while. Any byte read counts as a sign of life; a connection whose
 * reading the server paused is not silent, it is not being listened to.
 *
 * <p><b>Threading.</b> Loop thread only; every method is "Only called on the loop thread", except
 * {@link #start}.
 */
final class Liveness {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);

    private final ReactorImpl reactor;
    private final Stats stats;
    /** 0 for none. */
    private final long idleTimeoutNanos;
    /** 0 for no heartbeat. */
    private final long heartbeatIntervalNanos;
    private final long heartbeatTimeoutNanos;
    private final byte[] ping;

    Liveness(ReactorImpl reactor, Stats stats, Config config) {
        this.reactor = reactor;
        this.stats = stats;
        this.idleTimeoutNanos = config.idleTimeoutNanos();
        this.heartbeatIntervalNanos = config.heartbeatIntervalNanos();
        this.heartbeatTimeoutNanos = config.heartbeatTimeoutNanos();
        this.ping = config.heartbeatPing();
    }

    /** Starts the periodic sweep, if a timeout or heartbeat is set. Any thread. */
    void start() {
        long shortest = Long.MAX_VALUE;
        if (idleTimeoutNanos > 0) {
            shortest = idleTimeoutNanos;
        }
        if (heartbeatIntervalNanos > 0) {
            shortest = Math.min(shortest, Math.min(heartbeatIntervalNanos, heartbeatTimeoutNanos));
        }
        if (shortest == Long.MAX_VALUE) {
            return;
        }
        // a quarter of the shortest period: a connection is closed at most 25% late; at least 10 ms, at most 1 s
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.SECONDS.toNanos(1), shortest / 4));
        reactor.loop.execute(() -> sweep(period));
    }

    /** Closes idle connections and sends heartbeats; reschedules itself. */
    private void sweep(long period) {
        long now = reactor.loop.clock().nanoTime();
        List<Connection> all = reactor.registry.allUnchecked();
        for (int i = all.size() - 1; i >= 0; i--) { // backwards: closing swaps the last connection into slot i
            if (i >= all.size()) {
                continue;
            }
            Conn c = (Conn) all.get(i);
            if (c.readPaused()) {
                c.lastReadNanos = now; // the server chose not to read it: that is not the peer's silence
                continue;
            }
            long silent = now - c.lastReadNanos;
            if (idleTimeoutNanos > 0 && silent >= idleTimeoutNanos) {
                stats.idleCloses++;
                log.info("{}: idle for {} ms; closing", c, TimeUnit.NANOSECONDS.toMillis(silent));
                c.closeGracefully(null);
            } else if (heartbeatIntervalNanos > 0 && silent >= heartbeatIntervalNanos) {
                if (!c.pinged) {
                    c.pinged = true;
                    reactor.sendNow(c, ByteBuffer.wrap(ping));
                } else if (silent >= heartbeatIntervalNanos + heartbeatTimeoutNanos) {
                    stats.idleCloses++;
                    log.info("{}: no answer to the heartbeat; closing", c);
                    c.closeNow(new IOException("heartbeat timeout"));
                }
            }
        }
        if (reactor.loop.isRunning()) {
            reactor.loop.schedule(period, () -> sweep(period));
        }
    }
}
