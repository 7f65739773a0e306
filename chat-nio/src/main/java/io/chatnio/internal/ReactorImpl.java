package io.chatnio.internal;

import io.chatnio.Cancellable;
import io.chatnio.Clock;
import io.chatnio.Connection;
import io.chatnio.ConnectionOptions;
import io.chatnio.ConnectionRegistry;
import io.chatnio.FrameCodec;
import io.chatnio.MessageWriter;
import io.chatnio.Reactor;
import io.chatnio.ReactorException;
import io.chatnio.ReactorStats;
import io.chatnio.TlsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Reactor}: wires the parts together and answers the public API. The parts, one role each:
 * {@link EventLoop} (the thread and its phases), {@link Acceptor} and {@link Connector} (where connections
 * come from), {@link Admission} (limits, registration), {@link InboundPath} (read, decode, dispatch),
 * {@link Writer} (encode), {@link FlowControl} (slow consumers, backpressure, rate limit), {@link Flusher}
 * (write), {@link Liveness} (idle timeout, heartbeat), {@link Callbacks} (application code), {@link Stats}.
 *
 * <p><b>Threading.</b> The {@link Reactor} methods are safe from any thread as documented there; the
 * package-private methods are "Only called on the loop thread".
 */
public final class ReactorImpl implements Reactor, EventLoop.Work {
    private static final Logger log = LoggerFactory.getLogger(Reactor.class);
    /** Room a TLS record's plaintext needs in the read buffer behind a partial frame (16 KiB, and slack). */
    private static final int TLS_PLAINTEXT_ROOM = 17 * 1024;
    /** How long {@link #stats()} off the loop waits for an exact snapshot before taking the published one. */
    private static final long STATS_WAIT_MILLIS = 100;

    final Config config;
    final EventLoop loop;
    final Stats stats = new Stats();
    final Registry registry;
    final ChunkPool chunks;
    /**
     * Outbound queues of connections with nothing queued. Up to 1,024 free queues (about 260 KiB) are kept:
     * enough for a thousand recipients that drain in one pass and get output in the next without allocating;
     * beyond that, a queue per extra recipient and pass is allocated, the price of not keeping a burst's worth
     * of queues for ever.
     */
    final QueuePool queues = new QueuePool(1024);
    final Flusher flusher;
    final FlowControl flow;
    final InboundPath inbound;
    /** The writer of {@code message()} and {@code fanout()}. */
    final Writer userWriter;
    /** The writer of {@code send}, so a send never disturbs a message being built. */
    final Writer sendWriter;
    final Callbacks callbacks;
    final Admission admission;
    final Acceptor acceptor;
    final Connector connector;
    private final Liveness liveness;
    private final JmxStats jmx;
    /** Connections closing gracefully (out of the registry, draining their output); loop thread only. */
    private final List<Conn> draining = new ArrayList<>();
    /** TLS handshakes in progress (their connections are not admitted yet); loop thread only. */
    private final List<TlsHandshake> handshakes = new ArrayList<>();
    /** The loop's TLS scratch buffers; null until the first TLS connection. Loop thread only. */
    private TlsScratch tlsScratch;
    /** Runs TLS handshakes' delegated tasks off the loop; null until the first one. Loop thread only. */
    private ThreadPoolExecutor tlsTasks;

    private ReactorImpl(Config config) throws IOException {
        this.config = config;
        this.loop = new EventLoop(config.clock(), config.threadName(), config.daemon());
        this.registry = new Registry(loop, stats);
        // Free chunks are kept up to what was once in use at the same time, capped at 32 MiB.
        this.chunks = new ChunkPool(config.chunkSize(), Math.max(16, (32 << 20) / config.chunkSize()));
        this.flusher = new Flusher(this, stats, chunks, config);
        this.flow = new FlowControl(this, stats, chunks, config);
        this.inbound = new InboundPath(this, stats, config);
        this.userWriter = new Writer(loop, chunks, flow, config.codec());
        this.sendWriter = new Writer(loop, chunks, flow, config.codec());
        this.callbacks = new Callbacks(config.handler(), stats, flow, userWriter);
        this.admission = new Admission(this, stats, config);
        this.acceptor = new Acceptor(this);
        this.connector = new Connector(this);
        this.liveness = new Liveness(this, stats, config);
        this.jmx = config.jmx() ? new JmxStats(stats) : null;
    }

    /** Builds and starts a reactor; see {@link io.chatnio.ReactorBuilder#start()}. */
    public static Reactor start(Config config) {
        ReactorImpl r;
        try {
            r = new ReactorImpl(config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        r.loop.start(r);
        if (r.jmx != null) {
            r.jmx.register(r.loop.threadName());
        }
        r.liveness.start();
        return r;
    }

    /** The loop, for tests of its wake-up. */
    EventLoop loop() {
        return loop;
    }

    // ---- parts' shared helpers (loop thread only)

    /** Loop clock time of this pass's I/O. */
    long loopNanos() {
        return loop.now();
    }

    /**
     * Grows the read path for {@code codec}'s largest frame, and with TLS for a record's plaintext behind a
     * partial frame.
     */
    void readPathFits(FrameCodec codec, TlsOptions tls) {
        long need = codec.maxFrameLength() + (tls == null ? 0L : TLS_PLAINTEXT_ROOM);
        if (inbound.ensureFits((int) Math.min(Integer.MAX_VALUE - 4096 - 8, need))) {
            // a new read buffer: the line decoders of open and closing connections index it from now on
            for (Connection c : registry.allUnchecked()) {
                inbound.attach(((Conn) c).decoder);
            }
            for (Conn c : draining) {
                inbound.attach(c.decoder);
            }
        }
    }

    TlsScratch tlsScratch() {
        if (tlsScratch == null) {
            tlsScratch = new TlsScratch();
        }
        return tlsScratch;
    }

    /**
     * The executor of TLS handshakes' delegated tasks: one daemon thread, at most 1024 tasks queued (more
     * handshakes at once fail fast rather than queue without bound).
     */
    Executor tlsTasks() {
        if (tlsTasks == null) {
            tlsTasks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024), r -> {
                Thread t = new Thread(r, loop.threadName() + "-tls");
                t.setDaemon(true);
                return t;
            });
        }
        return tlsTasks;
    }

    void addHandshake(TlsHandshake h) {
        handshakes.add(h);
        admission.handshakeStarted(h.acceptedFrom());
    }

    void removeHandshake(TlsHandshake h) {
        handshakes.remove(h);
        admission.handshakeEnded(h.acceptedFrom());
    }

    int handshakeCount() {
        return handshakes.size();
    }

    /** {@link Conn#send(ByteBuffer)}: now on the loop thread, else a copy of the bytes as a task. Any thread. */
    void send(Conn c, ByteBuffer payload) {
        if (loop.inEventLoop()) {
            sendNow(c, payload);
        } else {
            byte[] copy = new byte[payload.remaining()];
            payload.get(copy);
            loop.execute(() -> sendNow(c, ByteBuffer.wrap(copy)));
        }
    }

    /** Encodes {@code payload} as one frame to {@code c}. Only called on the loop thread. */
    void sendNow(Conn c, ByteBuffer payload) {
        if (!c.acceptsOutput()) {
            payload.position(payload.limit());
            return;
        }
        sendWriter.beginDirect(c).put(payload).send();
    }

    void addDraining(Conn c) {
        if (c.drainingIndex < 0) {
            c.drainingIndex = draining.size();
            draining.add(c);
        }
    }

    void removeDraining(Conn c) {
        int i = c.drainingIndex;
        if (i >= 0) {
            Conn last = draining.remove(draining.size() - 1);
            if (last != c) {
                draining.set(i, last);
                last.drainingIndex = i;
            }
            c.drainingIndex = -1;
        }
    }

    static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
            throw (VirtualMachineError) t;
        }
    }

    // ---- EventLoop.Work (loop thread only)

    @Override
    public void run(Runnable task, String what) {
        callbacks.run(task, what);
    }

    @Override
    public void deliverResumed() {
        inbound.deliverResumed();
    }

    @Override
    public void flush() {
        flusher.flushDirty();
    }

    @Override
    public boolean hasPendingWork() {
        return flusher.hasDirty() || inbound.hasPending() || callbacks.hasPending();
    }

    @Override
    public void beginShutdown() {
        acceptor.closeAll();
        connector.failAll();
        for (TlsHandshake h : new ArrayList<>(handshakes)) {
            h.abort();
        }
        for (Connection c : new ArrayList<>(registry.allUnchecked())) {
            ((Conn) c).closeGracefully(null);
        }
    }

    @Override
    public boolean drained() {
        return registry.sizeUnchecked() == 0 && draining.isEmpty();
    }

    @Override
    public void closeAll(Throwable failure) {
        acceptor.closeAll();
        connector.failAll();
        for (TlsHandshake h : new ArrayList<>(handshakes)) {
            h.abort();
        }
        if (tlsTasks != null) {
            tlsTasks.shutdownNow();
        }
        List<Conn> left = new ArrayList<>(draining);
        for (Connection c : registry.allUnchecked()) {
            left.add((Conn) c);
        }
        if (!left.isEmpty() && failure == null) {
            log.info("shutdown: {} connections did not drain in time; closing them", left.size());
        }
        for (Conn c : left) {
            c.closeNow(failure != null ? failure : new IOException("reactor closed before the output was written"));
        }
        userWriter.close();
        sendWriter.close();
        stats.publish();
        if (jmx != null) {
            jmx.unregister();
        }
    }

    @Override
    public void passDone(long busyNanos) {
        stats.passDone(busyNanos, !hasPendingWork());
    }

    // ---- Reactor (any thread unless said)

    @Override
    public InetSocketAddress bind(SocketAddress address, ConnectionOptions options) throws IOException {
        return acceptor.bind(address, options);
    }

    @Override
    public CompletableFuture<Connection> connect(SocketAddress address, ConnectionOptions options) {
        return connector.connect(address, options);
    }

    @Override
    public List<InetSocketAddress> boundAddresses() {
        return acceptor.boundAddresses();
    }

    @Override
    public void execute(Runnable task) {
        loop.execute(task);
    }

    @Override
    public Cancellable schedule(long delay, TimeUnit unit, Runnable task) {
        return loop.schedule(unit.toNanos(Math.max(0, delay)), task);
    }

    @Override
    public boolean inEventLoop() {
        return loop.inEventLoop();
    }

    @Override
    public ConnectionRegistry registry() {
        loop.assertInLoop();
        return registry;
    }

    @Override
    public MessageWriter fanout() {
        loop.assertInLoop();
        return userWriter.beginFanout();
    }

    @Override
    public ReactorStats stats() {
        if (loop.inEventLoop()) {
            return stats.snapshot();
        }
        if (!loop.isTerminated()) {
            CompletableFuture<ReactorStats> f = new CompletableFuture<>();
            try {
                loop.execute(() -> f.complete(stats.snapshot()));
                return f.get(STATS_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
                // busy or gone: the published counters answer
            }
        }
        return stats.published();
    }

    @Override
    public Clock clock() {
        return loop.clock();
    }

    @Override
    public void close() {
        close(Duration.ofNanos(config.closeTimeoutNanos()));
    }

    @Override
    public void close(Duration drainTimeout) {
        loop.beginClose(drainTimeout.toNanos());
        if (loop.inEventLoop()) {
            return;
        }
        try {
            if (!loop.awaitTermination(drainTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                log.warn("the loop did not end within {} after close", drainTimeout.plusSeconds(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throwIfFailed();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        boolean done = loop.awaitTermination(timeout, unit);
        throwIfFailed();
        return done;
    }

    @Override
    public boolean isTerminated() {
        return loop.isTerminated();
    }

    private void throwIfFailed() {
        Throwable f = loop.failure();
        if (f != null) {
            throw new ReactorException("event loop failed", f);
        }
    }

    @Override
    public String toString() {
        return "Reactor(" + loop.threadName() + ", " + acceptor.boundAddresses() + ")";
    }
}
