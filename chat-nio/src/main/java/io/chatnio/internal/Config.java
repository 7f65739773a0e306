package io.chatnio.internal;

import io.chatnio.Clock;
import io.chatnio.FrameCodec;
import io.chatnio.Handler;
import io.chatnio.RateLimit;
import io.chatnio.SlowConsumerPolicy;

/**
 * A reactor's settings, checked and frozen by {@link io.chatnio.ReactorBuilder#start()}. Immutable; any
 * thread. Durations are in nanoseconds, 0 for "off".
 *
 * @param handler               the application's callbacks
 * @param codec                 framing of listeners and outbound connections that name none
 * @param clock                 time source of timers, timeouts and rate limits
 * @param threadName            loop thread name (a counter is appended)
 * @param daemon                whether the loop thread is a daemon
 * @param highWatermark         pending outbound bytes above which a connection is unwritable
 * @param lowWatermark          pending outbound bytes at or below which it is writable again
 * @param chunkSize             bytes per pooled outbound chunk
 * @param readBufferSize        the loop's read buffer, before raising it to fit the largest frame
 * @param maxReadBytesPerPass   fairness cap on bytes read from one connection per pass
 * @param maxWriteBytesPerPass  fairness cap on bytes written to one connection per pass
 * @param closeTimeoutNanos     how long a closing connection may drain before it is aborted
 * @param directPolicy          slow-consumer policy of 1:1 messages
 * @param fanoutPolicy          slow-consumer policy of fan-outs
 * @param maxConnections        most open connections
 * @param maxConnectionsPerIp   most open connections per remote IP
 * @param rateLimit             inbound message limit per connection, or null
 * @param idleTimeoutNanos      close a connection silent this long; 0 for never
 * @param heartbeatIntervalNanos ping a connection silent this long; 0 for no heartbeat
 * @param heartbeatTimeoutNanos close it if still silent this long after the ping
 * @param heartbeatPing         the ping's payload, or null
 * @param jmx                   whether to register the MXBean
 */
public record Config(
        Handler handler,
        FrameCodec codec,
        Clock clock,
        String threadName,
        boolean daemon,
        int highWatermark,
        int lowWatermark,
        int chunkSize,
        int readBufferSize,
        int maxReadBytesPerPass,
        int maxWriteBytesPerPass,
        long closeTimeoutNanos,
        SlowConsumerPolicy directPolicy,
        SlowConsumerPolicy fanoutPolicy,
        int maxConnections,
        int maxConnectionsPerIp,
        RateLimit rateLimit,
        long idleTimeoutNanos,
        long heartbeatIntervalNanos,
        long heartbeatTimeoutNanos,
        byte[] heartbeatPing,
        boolean jmx) {
}
