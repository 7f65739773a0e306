package io.chatnio;

import io.chatnio.internal.Config;
import io.chatnio.internal.ReactorImpl;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link Reactor}; {@link #start()} builds one and starts its loop thread. Not thread-safe:
 * configure on one thread, then start.
 */
public final class ReactorBuilder {
    private Handler handler;
    private FrameCodec codec = FrameCodec.lines(64 * 1024);
    private Clock clock = Clock.system();
    private String threadName = "chat-nio-loop";
    private boolean daemon;
    private int highWatermark = 256 * 1024;
    private int lowWatermark = 128 * 1024;
    private int chunkSize = 8 * 1024;
    private int readBufferSize = 64 * 1024;
    private int maxReadBytesPerPass = 256 * 1024;
    private int maxWriteBytesPerPass = 256 * 1024;
    private Duration closeTimeout = Duration.ofSeconds(5);
    private SlowConsumerPolicy directPolicy = SlowConsumerPolicy.PAUSE_SENDER;
    private SlowConsumerPolicy fanoutPolicy = SlowConsumerPolicy.DISCONNECT;
    private int maxConnections = Integer.MAX_VALUE;
    private int maxConnectionsPerIp = Integer.MAX_VALUE;
    private RateLimit rateLimit;
    private Duration idleTimeout;
    private Duration heartbeatInterval;
    private Duration heartbeatTimeout;
    private byte[] heartbeatPing;
    private boolean jmx;

    ReactorBuilder() {
    }

    /** The application callbacks. Required. */
    public ReactorBuilder handler(Handler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * Routes every inbound message with {@code router}: {@code handler(Handler.routing(router))}. Replaces
     * any handler set before.
     */
    public ReactorBuilder router(Router router) {
        return handler(Handler.routing(router));
    }

    /**
     * Routes every inbound message with {@code router} and reports each connection's life to
     * {@code listener}: {@code handler(Handler.routing(router, listener))}. Replaces any handler set before.
     */
    public ReactorBuilder router(Router router, ConnectionListener listener) {
        return handler(Handler.routing(router, listener));
    }

    /**
     * The framing of listeners and outbound connections whose {@link ConnectionOptions} name none. Default
     * {@code FrameCodec.lines(65536)}.
     */
    public ReactorBuilder codec(FrameCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
        return this;
    }

    /** The time source for timers and timeouts. Default {@link Clock#system()}. */
    public ReactorBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /** Name of the loop thread. Default {@code chat-nio-loop}. */
    public ReactorBuilder threadName(String threadName) {
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        return this;
    }

    /** Whether the loop thread is a daemon thread. Default {@code false}. */
    public ReactorBuilder daemon(boolean daemon) {
        this.daemon = daemon;
        return this;
    }

    /**
     * Pending outbound bytes per connection above which it becomes unwritable, and below which it becomes
     * writable again. Defaults 256 KiB and 128 KiB.
     */
    public ReactorBuilder writeBufferWatermarks(int low, int high) {
        if (low < 0 || high < low) {
            throw new IllegalArgumentException("need 0 <= low <= high: " + low + ", " + high);
        }
        this.lowWatermark = low;
        this.highWatermark = high;
        return this;
    }

    /** Size of each pooled outbound buffer; messages span several when larger. Default 8 KiB. */
    public ReactorBuilder chunkSize(int bytes) {
        this.chunkSize = positive(bytes, "chunkSize");
        return this;
    }

    /**
     * Size of the loop's one read buffer, shared by all connections. It is raised if needed so that the
     * largest frame of the codec fits. Default 64 KiB.
     */
    public ReactorBuilder readBufferSize(int bytes) {
        this.readBufferSize = positive(bytes, "readBufferSize");
        return this;
    }

    /** Most bytes read from one connection in one loop pass, for fairness. Default 256 KiB. */
    public ReactorBuilder maxReadBytesPerPass(int bytes) {
        this.maxReadBytesPerPass = positive(bytes, "maxReadBytesPerPass");
        return this;
    }

    /** Most bytes written to one connection in one loop pass, for fairness. Default 256 KiB. */
    public ReactorBuilder maxWriteBytesPerPass(int bytes) {
        this.maxWriteBytesPerPass = positive(bytes, "maxWriteBytesPerPass");
        return this;
    }

    /** How long a closing connection may take to drain its output before it is aborted. Default 5 s. */
    public ReactorBuilder closeTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout: " + timeout);
        }
        this.closeTimeout = timeout;
        return this;
    }

    /**
     * The policies for recipients above their high watermark: {@code direct} for messages begun with
     * {@link Connection#message()} or sent with {@link Connection#send}, {@code fanout} for
     * {@link Reactor#fanout()}. Defaults {@link SlowConsumerPolicy#PAUSE_SENDER} and
     * {@link SlowConsumerPolicy#DISCONNECT}.
     */
    public ReactorBuilder slowConsumerPolicy(SlowConsumerPolicy direct, SlowConsumerPolicy fanout) {
        this.directPolicy = Objects.requireNonNull(direct, "direct");
        this.fanoutPolicy = Objects.requireNonNull(fanout, "fanout");
        return this;
    }

    /**
     * Most connections open at once; an excess accepted connection is reported to
     * {@link ConnectionListener#onRefused} (which may send it a reply) and closed, and accepting goes on;
     * an excess outbound connection fails its {@link Reactor#connect} future. On a TLS listener, handshakes
     * in progress count, and an excess connection is closed before its handshake. Default unlimited.
     */
    public ReactorBuilder maxConnections(int max) {
        this.maxConnections = positive(max, "maxConnections");
        return this;
    }

    /**
     * Most connections open at once from one IP address (on a TLS listener, with its handshakes in progress);
     * handled like {@link #maxConnections}. Default unlimited.
     */
    public ReactorBuilder maxConnectionsPerIp(int max) {
        this.maxConnectionsPerIp = positive(max, "maxConnectionsPerIp");
        return this;
    }

    /** A per-connection limit on inbound messages, or {@code null} for none (the default). */
    public ReactorBuilder rateLimit(RateLimit rateLimit) {
        this.rateLimit = rateLimit;
        return this;
    }

    /** Closes connections that sent nothing for {@code timeout}; {@code null} (the default) for never. */
    public ReactorBuilder idleTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("idleTimeout: " + timeout);
        }
        this.idleTimeout = timeout;
        return this;
    }

    /**
     * Heartbeat: after {@code interval} with nothing received from a connection, send it the frame
     * {@code ping} (a payload, framed by the codec); if still nothing arrives within {@code timeout}, close
     * it. Any inbound byte counts as a sign of life, so a protocol answers pings with any frame it likes.
     */
    public ReactorBuilder heartbeat(Duration interval, Duration timeout, byte[] ping) {
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("heartbeat durations must be positive");
        }
        this.heartbeatInterval = interval;
        this.heartbeatTimeout = timeout;
        this.heartbeatPing = ping.clone();
        return this;
    }

    /** Registers the counters as a JMX MBean ({@link ReactorMXBean}). Default off. */
    public ReactorBuilder jmx(boolean enabled) {
        this.jmx = enabled;
        return this;
    }

    /**
     * Builds the reactor and starts its loop thread.
     *
     * @throws java.io.UncheckedIOException if the selector cannot be opened
     */
    public Reactor start() {
        if (handler == null) {
            throw new IllegalStateException("handler is required");
        }
        return ReactorImpl.start(new Config(handler, codec, clock, threadName, daemon, highWatermark, lowWatermark,
                chunkSize, readBufferSize, maxReadBytesPerPass, maxWriteBytesPerPass, closeTimeout.toNanos(),
                directPolicy, fanoutPolicy, maxConnections, maxConnectionsPerIp, rateLimit,
                idleTimeout == null ? 0 : idleTimeout.toNanos(),
                heartbeatInterval == null ? 0 : heartbeatInterval.toNanos(),
                heartbeatTimeout == null ? 0 : heartbeatTimeout.toNanos(),
                heartbeatPing == null ? null : heartbeatPing.clone(), jmx));
    }

    private static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": " + value);
        }
        return value;
    }
}
