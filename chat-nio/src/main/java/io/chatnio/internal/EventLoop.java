package io.chatnio.internal;

import io.chatnio.Cancellable;
import io.chatnio.Clock;
import io.chatnio.ConnectionRegistry;
import io.chatnio.FrameCodec;
import io.chatnio.FrameDecoder;
import io.chatnio.FrameException;
import io.chatnio.Handler;
import io.chatnio.MessageWriter;
import io.chatnio.Reactor;
import io.chatnio.ReactorBuilder;
import io.chatnio.ReactorException;
import io.chatnio.ReactorStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reactor: one thread, one {@link Selector}, every channel and buffer of its connections.
 *
 * <p>Each pass of the loop has five phases: run the tasks other threads queued; select until the next timer
 * deadline (or not at all when work is pending), handling each ready key as it is found (accept, read,
 * decode, dispatch); flush every connection that got output this pass with gathering writes; run expired
 * timers. Handler callbacks only queue output; it is written once per pass (or, in a pass that queues more
 * than {@link #FLUSH_THRESHOLD}, every that many bytes), so a burst of messages to one recipient costs one
 * {@code write} call. The one write from inside a send: a recipient above its high watermark is given what
 * its socket takes before a drop or disconnect policy judges it slow.
 *
 * <p><b>Threading.</b> Public methods of {@link Reactor} are safe from any thread as documented there; every
 * other method here is "Only called on the loop thread" and so are all fields not marked volatile or atomic.
 * Cross-thread calls become tasks: enqueue, then wake the selector only if the loop is (about to be) blocked
 * in select.
 *
 * <p><b>Errors.</b> An exception from application code (handler, codec, task, timer) is logged; if it
 * concerns a connection, that connection alone is closed. An I/O error on a connection closes it. Anything
 * else (the selector failing) is fatal: it is kept, the loop closes everything and ends, and
 * {@link #close()} and {@link #awaitTermination} rethrow it as a {@link ReactorException}.
 */
public final class EventLoop implements Reactor {
    private static final Logger log = LoggerFactory.getLogger(Reactor.class);

    private static final int RUNNING = 0;
    private static final int CLOSING = 1;
    private static final int TERMINATED = 2;
    /** Most connections accepted per listening socket per pass, so a connect storm cannot starve I/O. */
    private static final int MAX_ACCEPTS_PER_PASS = 64;
    /** Most queued tasks run per pass; the rest wait for the next pass, after I/O had its turn. */
    private static final int MAX_TASKS_PER_PASS = 4096;
    /** Buffers per gathering write (below the usual IOV_MAX of 1024; larger arrays bring no gain). */
    private static final int IOV_LENGTH = 64;
    private static final AtomicInteger THREAD_COUNT = new AtomicInteger();
    /**
     * Most queue entries of one connection that reference shared fan-out chunks; later fan-outs to it are
     * copied into its own chunks instead. A shared chunk stays alive while any queue references it, so a
     * backlogged recipient could otherwise pin a whole chunk per small message it has not yet received;
     * with this cap it pins at most 16 chunks (128 KiB at the default chunk size). A recipient that keeps up
     * has at most a few shared entries queued and never pays for the copy.
     */
    static final int MAX_SHARED_ENTRIES = 16;
    /**
     * Output queued in one pass after which the pass flushes before handling more ready keys. Flushing once
     * per pass batches writes; but with thousands of busy connections a pass can queue tens of megabytes,
     * which then no longer sit in the CPU cache when the socket writes copy them out. Flushing too often
     * costs too: each flush that hands data to an idle peer wakes it, and the waking (an inter-processor
     * interrupt, dear in a VM) is paid on this thread, inside the write. 512 KiB is the middle: it stays
     * within a core's L2 cache (1 MiB on the benchmark machine), and with 1000 busy pairs of 1 KiB messages
     * it woke the readers about 4 times less often than 128 KiB; 1 MiB forwarded about 7 % more than
     * 128 KiB, and 512 KiB and 2 MiB measured the same as 1 MiB (docs/benchmarks.md).
     */
    private static final int FLUSH_THRESHOLD = 512 * 1024;

    // ---- configuration (immutable)
    private final Handler handler;
    private final FrameCodec codec;
    private final Clock clock;
    private final int highWatermark;
    private final int lowWatermark;
    private final int maxReadBytesPerPass;
    private final int maxWriteBytesPerPass;
    private final Duration closeTimeout;
    private final io.chatnio.SlowConsumerPolicy directPolicy;
    private final io.chatnio.SlowConsumerPolicy fanoutPolicy;
    private final int maxConnections;
    private final int maxConnectionsPerIp;
    /** Null for no rate limit. */
    private final io.chatnio.RateLimit rateLimit;
    /** 0 for none. */
    private final long idleTimeoutNanos;
    /** 0 for no heartbeat. */
    private final long heartbeatIntervalNanos;
    private final long heartbeatTimeoutNanos;
    private final byte[] heartbeatPing;
    /** "ERR too many connections", framed by the codec, written to connections refused by a limit. */
    private final ByteBuffer rejectFrame;
    /** The registered MBean's name, or null. */
    private javax.management.ObjectName mbeanName;

    // ---- shared with other threads
    private final Thread thread;
    private final Selector selector;
    /** Tasks from any thread, run in order at the start of each pass. */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** True while the loop is in, or about to enter, a blocking select: a submitter must wake it. */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    /** RUNNING, CLOSING or TERMINATED. */
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final List<InetSocketAddress> boundAddresses = new CopyOnWriteArrayList<>();
    /** The error that ended the loop, or null. */
    private volatile Throwable failure;
    /** System.nanoTime() by which a shutdown gives up draining; written before the state becomes CLOSING. */
    private volatile long drainDeadline;

    // ---- loop thread only
    private final Registry registry = new Registry(this);
    private final ChunkPool chunks;
    private final PartialPool partials;
    /** The one read buffer: every read lands here, and only incomplete frames are copied out. */
    private final ByteBuffer readBuffer;
    /** With the built-in line codec, where the newlines of {@link #readBuffer} are; else null. */
    private final NewlineIndex newlines;
    private final ByteBuffer[] iov = new ByteBuffer[IOV_LENGTH];
    /** Bytes queued since the last flush; see {@link #FLUSH_THRESHOLD}. */
    private long queuedSinceFlush;
    /** Incremented per gathering write; see {@link Chunk#gatherEpoch}. */
    private long gatherEpoch;
    /** Writer for {@link io.chatnio.Connection#message()} and {@link #fanout()}. */
    private final Writer userWriter;
    /** Writer for {@link io.chatnio.Connection#send}, so a send never disturbs a message being built. */
    private final Writer sendWriter;
    /** Connections to flush this pass in {@code [0, dirtyCount)}; each has {@code dirty} set. */
    private Conn[] dirty = new Conn[64];
    private int dirtyCount;
    /** Connections whose buffered frames must be delivered (reading resumed) in {@code [0, readPendingCount)}. */
    private Conn[] readPending = new Conn[16];
    private int readPendingCount;
    private final PriorityQueue<ScheduledTimer> timers = new PriorityQueue<>();
    private long timerSeq;
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private long nextConnectionId = 1;
    private boolean shutdownStarted;
    /** System.nanoTime() of the first ready key of this pass, 0 if none yet; for the longest-pass stat. */
    private long firstKeyNanos;
    private final Consumer<SelectionKey> keyHandler = this::processKey;
    /** The loop clock, read once per pass after select; what reads and rate limits are timed with. */
    private long loopNanos;
    /** The connection whose frame is being delivered, or null: the sender that PAUSE_SENDER pauses. */
    private Conn currentSender;
    /** Open connections per remote IP address, when a per-IP cap is set. */
    private final java.util.Map<java.net.InetAddress, int[]> perIp = new java.util.HashMap<>();
    private long idleCloses;

    // ---- counters (loop thread only; read through stats())
    private long connectionsTotal;
    private long connectionsRejected;
    private long messagesIn;
    private long bytesIn;
    private long messagesOut;
    private long bytesOut;
    private long messagesDropped;
    private long slowConsumerCloses;
    private long protocolErrors;
    private long loopPasses;
    private long longestPassNanos;

    private EventLoop(ReactorBuilder b) throws IOException {
        this.handler = b.handler();
        this.codec = b.codec();
        this.clock = b.clock();
        this.highWatermark = b.highWatermark();
        this.lowWatermark = b.lowWatermark();
        this.maxReadBytesPerPass = b.maxReadBytesPerPass();
        this.maxWriteBytesPerPass = b.maxWriteBytesPerPass();
        this.closeTimeout = b.closeTimeout();
        this.directPolicy = b.directPolicy();
        this.fanoutPolicy = b.fanoutPolicy();
        this.maxConnections = b.maxConnections();
        this.maxConnectionsPerIp = b.maxConnectionsPerIp();
        this.rateLimit = b.rateLimit();
        this.idleTimeoutNanos = b.idleTimeout() == null ? 0 : b.idleTimeout().toNanos();
        this.heartbeatIntervalNanos = b.heartbeatInterval() == null ? 0 : b.heartbeatInterval().toNanos();
        this.heartbeatTimeoutNanos = b.heartbeatTimeout() == null ? 0 : b.heartbeatTimeout().toNanos();
        this.heartbeatPing = b.heartbeatPing();
        this.rejectFrame = frame(codec, "ERR too many connections".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        int readSize = Math.max(b.readBufferSize(), codec.maxFrameLength() + 4096);
        this.readBuffer = ByteBuffer.allocateDirect((readSize + 7) & ~7); // whole words, for NewlineIndex
        this.newlines = codec instanceof LineCodec ? new NewlineIndex(readBuffer) : null;
        // Free buffers are kept up to what was once in use at the same time, capped: 32 MiB of chunks, 4 MiB
        // per partial-buffer size class. Nothing is allocated ahead of use.
        this.chunks = new ChunkPool(b.chunkSize(), Math.max(16, (32 << 20) / b.chunkSize()));
        this.partials = new PartialPool(readSize, 4 << 20);
        this.userWriter = new Writer(this, chunks, codec);
        this.sendWriter = new Writer(this, chunks, codec);
        this.selector = Selector.open();
        this.thread = new Thread(this::run, b.threadName() + "-" + THREAD_COUNT.incrementAndGet());
        this.thread.setDaemon(b.daemon());
    }

    /** Builds and starts a loop; see {@link ReactorBuilder#start()}. */
    public static EventLoop start(ReactorBuilder builder) {
        EventLoop loop;
        try {
            loop = new EventLoop(builder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        loop.thread.start();
        if (builder.jmx()) {
            loop.registerMBean();
        }
        loop.startLivenessSweep();
        return loop;
    }

    /** {@code payload} framed by {@code codec}, in a heap buffer ready to be written. */
    private static ByteBuffer frame(FrameCodec codec, byte[] payload) {
        byte[] trailer = codec.trailer();
        ByteBuffer b = ByteBuffer.allocate(codec.headerLength() + payload.length + trailer.length);
        if (codec.headerLength() > 0) {
            codec.writeHeader(b, 0, payload.length);
        }
        b.position(codec.headerLength());
        b.put(payload).put(trailer).flip();
        return b.asReadOnlyBuffer();
    }

    // =====================================================================================================
    // The loop

    private void run() {
        try {
            while (!shutdownComplete()) {
                long passStart = System.nanoTime();
                runTasks();                 // 1. tasks other threads queued
                long selectStart = System.nanoTime();
                select();                   // 2. wait for I/O or the next deadline; 3. handle each ready key
                loopNanos = clock.nanoTime();
                deliverResumed();           //    frames held back while a connection's reading was paused
                flushDirty();               // 4. one gathering write per connection with output
                runTimers();                // 5. timers past their deadline
                recordPass(passStart, selectStart);
            }
        } catch (Throwable t) {
            failure = t;
            log.error("event loop failed; closing every connection", t);
        } finally {
            cleanUp();
        }
    }

    /** Only called on the loop thread. */
    private void select() throws IOException {
        firstKeyNanos = 0;
        loopNanos = clock.nanoTime();
        if (!tasks.isEmpty() || dirtyCount > 0 || readPendingCount > 0) {
            selector.selectNow(keyHandler);
            return;
        }
        long timeoutMillis = 0; // 0: until woken
        ScheduledTimer next = timers.peek();
        if (next != null) {
            long delay = next.deadline - clock.nanoTime();
            if (delay <= 0) {
                selector.selectNow(keyHandler);
                return;
            }
            timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delay + 999_999));
        }
        if (state.get() == CLOSING) {
            timeoutMillis = timeoutMillis == 0 ? 10 : Math.min(timeoutMillis, 10); // watch the drain deadline
        }
        sleeping.set(true);
        try {
            if (tasks.isEmpty()) { // re-check after publishing `sleeping`: a racing execute() will wake us
                selector.select(keyHandler, timeoutMillis);
            } else {
                selector.selectNow(keyHandler);
            }
        } finally {
            sleeping.set(false);
        }
    }

    /** Only called on the loop thread. */
    private void recordPass(long passStart, long selectStart) {
        long end = System.nanoTime();
        long busy = (selectStart - passStart) + (end - (firstKeyNanos != 0 ? firstKeyNanos : end));
        loopPasses++;
        if (busy > longestPassNanos) {
            longestPassNanos = busy;
        }
    }

    /** Only called on the loop thread. */
    private void runTasks() {
        for (int i = 0; i < MAX_TASKS_PER_PASS; i++) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            try {
                task.run();
            } catch (Throwable t) {
                rethrowIfFatal(t);
                log.warn("task {} failed", task, t);
            } finally {
                userWriter.discard();
            }
        }
    }

    /** Only called on the loop thread. */
    private void runTimers() {
        if (timers.isEmpty()) {
            return;
        }
        long now = clock.nanoTime();
        ScheduledTimer t;
        while ((t = timers.peek()) != null && t.deadline - now <= 0) {
            timers.poll();
            if (!t.claim()) {
                continue;
            }
            try {
                t.task.run();
            } catch (Throwable e) {
                rethrowIfFatal(e);
                log.warn("timer task {} failed", t.task, e);
            } finally {
                userWriter.discard();
            }
        }
        if ((loopPasses & 1023) == 0 && timers.size() > 1024) {
            timers.removeIf(ScheduledTimer::isCancelled);
        }
    }

    /** Only called on the loop thread, from within select. */
    private void processKey(SelectionKey key) {
        if (firstKeyNanos == 0) {
            firstKeyNanos = System.nanoTime();
        }
        Object att = key.attachment();
        try {
            if (att instanceof Conn c) {
                int ready = key.readyOps();
                if ((ready & SelectionKey.OP_WRITE) != 0) {
                    c.writeInterest = false; // the socket has room again: flush this pass
                    markDirty(c);
                }
                if ((ready & SelectionKey.OP_READ) != 0) {
                    read(c);
                    if (queuedSinceFlush >= FLUSH_THRESHOLD) {
                        flushDirty(); // see FLUSH_THRESHOLD
                    }
                }
            } else if (att instanceof ServerSocketChannel server) {
                accept(server);
            }
        } catch (CancelledKeyException e) {
            // closed earlier in this pass
        }
    }

    // =====================================================================================================
    // Accept

    /** Only called on the loop thread. */
    private void accept(ServerSocketChannel server) {
        for (int i = 0; i < MAX_ACCEPTS_PER_PASS; i++) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                // Typically EMFILE: stop accepting for a moment rather than spin on a key that stays ready.
                log.warn("accept failed on {}; pausing accepts for 100 ms", server, e);
                pauseAccepting(server, 100);
                return;
            }
            if (ch == null) {
                return;
            }
            register(ch);
        }
    }

    /** Only called on the loop thread. */
    private void pauseAccepting(ServerSocketChannel server, long millis) {
        SelectionKey key = server.keyFor(selector);
        if (key == null || !key.isValid()) {
            return;
        }
        key.interestOps(0);
        schedule(millis, TimeUnit.MILLISECONDS, () -> {
            if (key.isValid()) {
                key.interestOps(SelectionKey.OP_ACCEPT);
            }
        });
    }

    /** Only called on the loop thread. */
    private void register(SocketChannel ch) {
        Conn c;
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            InetSocketAddress remote = (InetSocketAddress) ch.getRemoteAddress();
            InetSocketAddress local = (InetSocketAddress) ch.getLocalAddress();
            SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
            FrameDecoder decoder = codec.newDecoder();
            if (newlines != null && decoder instanceof LineCodec.Decoder) {
                ((LineCodec.Decoder) decoder).useIndex(newlines);
            }
            c = new Conn(this, nextConnectionId++, ch, key, decoder, remote, local);
            key.attach(c);
        } catch (IOException | RuntimeException e) {
            log.debug("dropping a connection that failed during accept", e);
            closeQuietly(ch);
            return;
        }
        connectionsTotal++;
        if (registry.sizeUnchecked() >= maxConnections || !admitIp(c)) {
            connectionsRejected++;
            log.info("{}: refused, over the connection limit", c);
            try {
                ch.write(rejectFrame.duplicate()); // best effort: a fresh socket has room for one line
            } catch (IOException e) {
                log.debug("{}: could not send the refusal", c, e);
            }
            c.state = Conn.CLOSED;
            c.markNotOpen();
            c.key.cancel();
            closeQuietly(ch);
            return;
        }
        c.lastReadNanos = loopNanos;
        if (rateLimit != null) {
            c.tokens = rateLimit.burst();
            c.tokensAt = loopNanos;
        }
        registry.add(c);
        try {
            handler.onOpen(c);
        } catch (Throwable t) {
            rethrowIfFatal(t);
            applicationError(c, "onOpen", t);
        } finally {
            userWriter.discard();
        }
    }

    /** Counts {@code c} against its IP's cap; false if the cap is reached. Only called on the loop thread. */
    private boolean admitIp(Conn c) {
        if (maxConnectionsPerIp == Integer.MAX_VALUE) {
            return true;
        }
        int[] count = perIp.computeIfAbsent(c.remote.getAddress(), a -> new int[1]);
        if (count[0] >= maxConnectionsPerIp) {
            return false;
        }
        count[0]++;
        return true;
    }

    /** Only called on the loop thread. */
    private void releaseIp(Conn c) {
        if (maxConnectionsPerIp == Integer.MAX_VALUE) {
            return;
        }
        int[] count = perIp.get(c.remote.getAddress());
        if (count != null && --count[0] == 0) {
            perIp.remove(c.remote.getAddress());
        }
    }

    // =====================================================================================================
    // Read and decode

    /** Reads what the socket has, up to the per-pass budget, and delivers every complete frame. Only called on the loop thread. */
    private void read(Conn c) {
        if (c.state != Conn.OPEN || c.readPaused()) {
            return;
        }
        ByteBuffer rb = readBuffer;
        rb.clear();
        restorePartial(c, rb);
        int budget = maxReadBytesPerPass;
        boolean eof = false;
        while (true) {
            int room = rb.remaining();
            int n;
            try {
                n = c.channel.read(rb);
            } catch (IOException e) {
                closeNow(c, e); // reset by peer and the like
                return;
            }
            if (n < 0) {
                eof = true;
            } else if (n > 0) {
                bytesIn += n;
                budget -= n;
                c.lastReadNanos = loopNanos;
                c.pinged = false;
            }
            rb.flip();
            if (!deliver(c, rb)) {
                return;
            }
            if (eof || n < room || budget <= 0 || c.readPaused()) {
                break; // n < room: the socket is drained, skip the read that would return 0
            }
            rb.compact();
        }
        keepPartial(c, rb);
        if (eof) {
            inputShutdown(c);
        }
    }

    /** Moves a connection's held bytes to the front of the read buffer. Only called on the loop thread. */
    private void restorePartial(Conn c, ByteBuffer rb) {
        ByteBuffer p = c.partial;
        if (p != null) {
            p.flip();
            rb.put(p);
            partials.release(p);
            c.partial = null;
        }
    }

    /** Copies the undelivered bytes {@code rb[position, limit)} into a pooled buffer of the connection. Only called on the loop thread. */
    private void keepPartial(Conn c, ByteBuffer rb) {
        int left = rb.remaining();
        if (left > 0) {
            ByteBuffer p = partials.take(left);
            p.put(rb);
            c.partial = p;
        }
    }

    /**
     * Decodes and delivers the complete frames in {@code rb[position, limit)}, leaving position at the first
     * undelivered byte. Stops early if the connection pauses or closes.
     *
     * @return {@code false} if the connection is no longer open (the remaining bytes are then to be dropped)
     */
    private boolean deliver(Conn c, ByteBuffer rb) {
        int limit = rb.limit();
        if (newlines != null) {
            newlines.load(rb.position(), limit); // the bytes just read, and any restored partial frame
        }
        while (!c.readPaused()) {
            int start = rb.position();
            int end;
            try {
                end = c.decoder.decode(rb);
            } catch (FrameException e) {
                protocolErrors++;
                log.info("{}: closing on bad input: {}", c, e.getMessage());
                closeNow(c, e);
                return false;
            } catch (Throwable t) {
                rethrowIfFatal(t);
                applicationError(c, "decode", t);
                return false;
            }
            if (end == FrameDecoder.NEED_MORE) {
                rb.limit(limit).position(start);
                break;
            }
            if (end <= start || end > limit) {
                applicationError(c, "decode", new IllegalStateException(
                        "decoder returned " + end + " for bytes [" + start + ", " + limit + ")"));
                return false;
            }
            if (rateLimit != null && !takeToken(c)) {
                rb.limit(limit).position(start); // not delivered: it stays buffered
                if (rateLimit.action() == io.chatnio.RateLimit.Action.DISCONNECT) {
                    protocolErrors++;
                    log.info("{}: rate limit exceeded; closing", c);
                    sendNow(c, ByteBuffer.wrap("ERR rate limit exceeded".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                    closeGracefully(c);
                    return false;
                }
                break; // paused until a token is due; the frame is delivered then
            }
            messagesIn++;
            currentSender = c;
            try {
                handler.onMessage(c, rb);
            } catch (Throwable t) {
                rethrowIfFatal(t);
                applicationError(c, "onMessage", t);
                return false;
            } finally {
                currentSender = null;
                userWriter.discard();
            }
            rb.limit(limit).position(end);
            if (c.state != Conn.OPEN) {
                return false;
            }
        }
        return true;
    }

    /**
     * Takes a rate-limit token for one message from {@code c}; if there is none, pauses its reading until
     * one is due. Only called on the loop thread.
     */
    private boolean takeToken(Conn c) {
        double rate = rateLimit.messagesPerSecond();
        double tokens = Math.min(rateLimit.burst(), c.tokens + (loopNanos - c.tokensAt) * rate / 1e9);
        c.tokensAt = loopNanos;
        if (tokens >= 1) {
            c.tokens = tokens - 1;
            return true;
        }
        c.tokens = tokens;
        if (rateLimit.action() == io.chatnio.RateLimit.Action.SLOW_DOWN) {
            pause(c, Conn.PAUSED_BY_RATE);
            long wait = (long) Math.ceil((1 - tokens) * 1e9 / rate);
            schedule(wait, TimeUnit.NANOSECONDS, () -> resume(c, Conn.PAUSED_BY_RATE));
        }
        return false;
    }

    /** The peer shut down its output: deliver what it sent, flush what it is owed, then close. Only called on the loop thread. */
    private void inputShutdown(Conn c) {
        c.inputShutdown = true;
        if (c.readPaused()) {
            updateInterest(c); // buffered frames are delivered on resume, then the connection closes
            return;
        }
        if (c.partial != null) {
            log.debug("{}: end of input inside a frame; {} bytes dropped", c, c.partial.position());
        }
        closeGracefully(c);
    }

    /** Delivers frames buffered while reading was paused, for connections that resumed. Only called on the loop thread. */
    private void deliverResumed() {
        int n = readPendingCount;
        for (int i = 0; i < n; i++) {
            Conn c = readPending[i];
            readPending[i] = null;
            c.readPending = false;
            if (c.state != Conn.OPEN || c.readPaused()) {
                continue;
            }
            if (c.partial == null) {
                if (c.inputShutdown) {
                    inputShutdown(c);
                }
                continue;
            }
            ByteBuffer rb = readBuffer;
            rb.clear();
            restorePartial(c, rb);
            rb.flip();
            if (deliver(c, rb)) {
                keepPartial(c, rb);
                if (c.inputShutdown && !c.readPaused()) {
                    inputShutdown(c);
                }
            }
        }
        // connections that resumed during this phase were appended after n
        System.arraycopy(readPending, n, readPending, 0, readPendingCount - n);
        Arrays.fill(readPending, readPendingCount - n, readPendingCount, null);
        readPendingCount -= n;
    }

    /** Only called on the loop thread. */
    void setReadPaused(Conn c, boolean paused) {
        if (paused) {
            pause(c, Conn.PAUSED_BY_APP);
        } else {
            resume(c, Conn.PAUSED_BY_APP);
        }
    }

    /** Stops reading from {@code c} for {@code reason} (a PAUSED_BY_* bit). Only called on the loop thread. */
    private void pause(Conn c, int reason) {
        if (c.state != Conn.OPEN) {
            return;
        }
        int before = c.pausedBy;
        c.pausedBy |= reason;
        if (before == 0) {
            updateInterest(c);
        }
    }

    /**
     * Lifts {@code reason}; if nothing else holds reading back, reading resumes and frames buffered meanwhile
     * are delivered in the next pass. Only called on the loop thread.
     */
    private void resume(Conn c, int reason) {
        if (c.state != Conn.OPEN || (c.pausedBy & reason) == 0) {
            return;
        }
        c.pausedBy &= ~reason;
        if (c.pausedBy != 0) {
            return;
        }
        updateInterest(c);
        if ((c.partial != null || c.inputShutdown) && !c.readPending) {
            if (readPendingCount == readPending.length) {
                readPending = Arrays.copyOf(readPending, readPendingCount * 2);
            }
            readPending[readPendingCount++] = c;
            c.readPending = true;
        }
    }

    // =====================================================================================================
    // Write

    /** Encodes {@code payload} as one frame to {@code c}. Only called on the loop thread. */
    void sendNow(Conn c, ByteBuffer payload) {
        if (c.state != Conn.OPEN) {
            payload.position(payload.limit());
            return;
        }
        sendWriter.beginDirect(c).put(payload).send();
    }

    Writer messageWriter() {
        return userWriter;
    }

    /** The policy for a message without an override. */
    io.chatnio.SlowConsumerPolicy defaultPolicy(boolean fanout) {
        return fanout ? fanoutPolicy : directPolicy;
    }

    /**
     * Whether a message may be queued on {@code c}, applying {@code policy} if {@code c} is above its high
     * watermark. Only called on the loop thread.
     */
    boolean admit(Conn c, io.chatnio.SlowConsumerPolicy policy) {
        if (c.out.pending() <= highWatermark || policy == io.chatnio.SlowConsumerPolicy.PAUSE_SENDER
                || policy == io.chatnio.SlowConsumerPolicy.DROP_OLDEST || !stillOverHighWatermark(c)) {
            return c.state == Conn.OPEN;
        }
        switch (policy) {
            case DISCONNECT:
                slowConsumerCloses++;
                log.info("{}: slow consumer ({} bytes pending); disconnecting", c, c.out.pending());
                closeLater(c, new IOException("slow consumer: " + c.out.pending() + " bytes pending"));
                return false;
            case DROP_NEWEST:
                messagesDropped++;
                return false;
            default:
                return true;
        }
    }

    /** A writer queued one message on {@code c} under {@code policy}. Only called on the loop thread. */
    void queued(Conn c, io.chatnio.SlowConsumerPolicy policy, int bytes) {
        messagesOut++;
        queuedSinceFlush += bytes;
        c.out.endMessage();
        if (c.out.pending() > highWatermark) {
            if (policy == io.chatnio.SlowConsumerPolicy.DROP_OLDEST) {
                if (stillOverHighWatermark(c)) {
                    messagesDropped += c.out.dropOldest(highWatermark, chunks);
                }
            } else if (policy == io.chatnio.SlowConsumerPolicy.PAUSE_SENDER) {
                Conn sender = currentSender;
                if (sender != null && sender.state == Conn.OPEN) {
                    block(sender, c); // also when sender == c: replies to a peer that does not read pause it
                }
            }
            if (c.isWritable() && c.out.pending() > highWatermark) {
                c.setWritable(false);
                c.writabilityChanged = true;
            }
        }
        markDirty(c);
    }

    /** Pauses {@code sender} until {@code recipient} drains. Only called on the loop thread. */
    private void block(Conn sender, Conn recipient) {
        Conn[] w = recipient.waiters;
        for (int i = 0; i < recipient.waiterCount; i++) {
            if (w[i] == sender) {
                return;
            }
        }
        if (w == null) {
            w = recipient.waiters = new Conn[4];
        } else if (recipient.waiterCount == w.length) {
            w = recipient.waiters = Arrays.copyOf(w, w.length * 2);
        }
        w[recipient.waiterCount++] = sender;
        sender.blockedOn++;
        pause(sender, Conn.PAUSED_BY_BACKPRESSURE);
    }

    /** {@code recipient} drained or closed: its waiting senders may read again. Only called on the loop thread. */
    private void releaseWaiters(Conn recipient) {
        Conn[] w = recipient.waiters;
        int n = recipient.waiterCount;
        recipient.waiterCount = 0;
        for (int i = 0; i < n; i++) {
            Conn sender = w[i];
            w[i] = null;
            if (--sender.blockedOn == 0) {
                resume(sender, Conn.PAUSED_BY_BACKPRESSURE);
            }
        }
    }

    /** Only called on the loop thread. */
    private void markDirty(Conn c) {
        if (!c.dirty) {
            if (dirtyCount == dirty.length) {
                dirty = Arrays.copyOf(dirty, dirtyCount * 2);
            }
            dirty[dirtyCount++] = c;
            c.dirty = true;
        }
    }

    /** Only called on the loop thread. */
    private void flushDirty() {
        queuedSinceFlush = 0;
        int n = dirtyCount;
        for (int i = 0; i < n; i++) {
            Conn c = dirty[i];
            dirty[i] = null;
            c.dirty = false;
            if (c.state != Conn.CLOSED) {
                flush(c);
            }
        }
        // connections queued to during this phase (by callbacks) or over their budget were appended after n
        System.arraycopy(dirty, n, dirty, 0, dirtyCount - n);
        Arrays.fill(dirty, dirtyCount - n, dirtyCount, null);
        dirtyCount -= n;
    }

    /**
     * Writes as much of {@code c}'s queue as the socket takes, up to the per-pass budget, with gathering
     * writes. A full socket turns on OP_WRITE; a drained queue turns it off. Only called on the loop thread.
     */
    private void flush(Conn c) {
        OutboundQueue q = c.out;
        if (!c.writeInterest) {
            IOException failed = writeOut(c);
            if (failed != null) {
                closeNow(c, failed);
                return;
            }
        }
        if (q.isEmpty()) {
            c.writeInterest = false;
            q.releaseOwnIfDrained(chunks);
            if (c.state == Conn.CLOSING) {
                closeNow(c, c.closeCause);
                return;
            }
        }
        updateInterest(c);
        if (q.pending() <= lowWatermark) {
            if (!c.isWritable()) {
                c.setWritable(true);
                c.writabilityChanged = true;
            }
            if (c.waiterCount > 0) {
                releaseWaiters(c);
            }
        }
        if (c.writabilityChanged) {
            c.writabilityChanged = false;
            try {
                handler.onWritabilityChanged(c);
            } catch (Throwable t) {
                rethrowIfFatal(t);
                log.warn("{}: onWritabilityChanged failed", c, t);
            } finally {
                userWriter.discard();
            }
        }
    }

    /**
     * Gathering writes of {@code c}'s queue until the socket is full (then OP_WRITE is wanted), the queue is
     * empty, or the per-pass budget is spent (then it stays dirty for the next pass). Only called on the loop
     * thread.
     *
     * @return the write's exception, for the caller to close the connection with; null if none
     */
    private IOException writeOut(Conn c) {
        OutboundQueue q = c.out;
        long budget = maxWriteBytesPerPass;
        while (!q.isEmpty()) {
            int count = q.gather(iov, ++gatherEpoch, budget);
            long want = 0;
            for (int i = 0; i < count; i++) {
                want += iov[i].remaining();
            }
            long written;
            try {
                written = c.channel.write(iov, 0, count);
            } catch (IOException e) {
                return e;
            } finally {
                Arrays.fill(iov, 0, count, null);
            }
            q.consume(written, chunks);
            bytesOut += written;
            budget -= written;
            if (written < want) {
                c.writeInterest = true; // the socket is full: wait for OP_WRITE
                break;
            }
            if (budget <= 0) {
                if (!q.isEmpty()) {
                    markDirty(c); // fairness: the rest goes next pass
                }
                break;
            }
        }
        return null;
    }

    /**
     * Before judging {@code c} slow, writes what its socket takes now: a burst queued within one pass is not
     * a slow consumer. Only called on the loop thread, from a writer's send.
     *
     * @return whether {@code c} is still over its high watermark (false also if it failed and is closing)
     */
    private boolean stillOverHighWatermark(Conn c) {
        if (!c.writeInterest) {
            IOException failed = writeOut(c);
            if (failed != null) {
                closeLater(c, failed);
                return false;
            }
        }
        return c.out.pending() > highWatermark;
    }

    /**
     * Stops {@code c}'s input and drops its output now, and closes it (calling onClose) in the flush phase:
     * used inside a writer's send, where no callback may run in the middle of another message. Only called
     * on the loop thread.
     */
    private void closeLater(Conn c, Throwable cause) {
        c.closeCause = cause;
        c.state = Conn.CLOSING;
        c.markNotOpen();
        c.out.clear(chunks);
        updateInterest(c);
        markDirty(c);
    }

    /** Only called on the loop thread. */
    private void updateInterest(Conn c) {
        if (c.state == Conn.CLOSED) {
            return;
        }
        boolean reading = c.state == Conn.OPEN && !c.readPaused() && !c.inputShutdown;
        int ops = (reading ? SelectionKey.OP_READ : 0) | (c.writeInterest ? SelectionKey.OP_WRITE : 0);
        if (ops != c.interestOps) {
            c.interestOps = ops;
            c.key.interestOps(ops);
        }
    }

    // =====================================================================================================
    // Close

    /** Stops reading, flushes what is queued, then closes; aborts at the close timeout. Only called on the loop thread. */
    void closeGracefully(Conn c) {
        if (c.state != Conn.OPEN) {
            return;
        }
        c.state = Conn.CLOSING;
        c.markNotOpen();
        if (c.partial != null) {
            partials.release(c.partial);
            c.partial = null;
        }
        if (c.out.isEmpty()) {
            closeNow(c, null);
            return;
        }
        updateInterest(c);
        markDirty(c);
        schedule(closeTimeout.toNanos(), TimeUnit.NANOSECONDS, () -> {
            if (c.state == Conn.CLOSING) {
                log.info("{}: output not drained within {}; closing", c, closeTimeout);
                closeNow(c, null);
            }
        });
    }

    /** Closes at once, discarding queued output; tells the handler. Idempotent. Only called on the loop thread. */
    void closeNow(Conn c, Throwable cause) {
        if (c.state == Conn.CLOSED) {
            return;
        }
        c.state = Conn.CLOSED;
        c.markNotOpen();
        c.key.cancel();
        closeQuietly(c.channel);
        c.out.clear(chunks);
        if (c.partial != null) {
            partials.release(c.partial);
            c.partial = null;
        }
        registry.remove(c);
        releaseIp(c);
        if (c.waiterCount > 0) {
            releaseWaiters(c);
        }
        try {
            handler.onClose(c, cause);
        } catch (Throwable t) {
            rethrowIfFatal(t);
            log.warn("{}: onClose failed", c, t);
        } finally {
            userWriter.discard();
        }
    }

    /** Application code threw while handling {@code c}: log, count, close only that connection. Only called on the loop thread. */
    private void applicationError(Conn c, String where, Throwable t) {
        protocolErrors++;
        log.warn("{}: {} threw; closing the connection", c, where, t);
        closeNow(c, t);
    }

    private static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
            throw (VirtualMachineError) t;
        }
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("close failed", e);
        }
    }

    // =====================================================================================================
    // Shutdown

    /** Drives a graceful shutdown; true once the loop may end. Only called on the loop thread. */
    private boolean shutdownComplete() {
        if (state.get() == RUNNING) {
            return false;
        }
        if (!shutdownStarted) {
            shutdownStarted = true;
            for (ServerSocketChannel s : servers) {
                closeQuietly(s); // stop accepting
            }
            servers.clear();
            boundAddresses.clear();
            List<io.chatnio.Connection> open = new ArrayList<>(registry.all());
            for (io.chatnio.Connection c : open) {
                closeGracefully((Conn) c);
            }
        }
        return registry.size() == 0 || System.nanoTime() - drainDeadline >= 0;
    }

    /** Closes everything left; the last thing the loop does. Only called on the loop thread. */
    private void cleanUp() {
        try {
            for (ServerSocketChannel s : servers) {
                closeQuietly(s);
            }
            servers.clear();
            boundAddresses.clear();
            List<io.chatnio.Connection> left = new ArrayList<>(registry.all());
            if (!left.isEmpty() && failure == null) {
                log.info("shutdown: {} connections did not drain in time; closing them", left.size());
            }
            for (io.chatnio.Connection c : left) {
                closeNow((Conn) c, failure);
            }
            timers.clear();
            int dropped = tasks.size();
            tasks.clear();
            if (dropped > 0) {
                log.debug("shutdown: {} queued tasks not run", dropped);
            }
            userWriter.close();
            sendWriter.close();
            try {
                selector.close();
            } catch (IOException e) {
                log.debug("selector close failed", e);
            }
        } catch (Throwable t) {
            if (failure == null) {
                failure = t;
            }
            log.error("shutdown failed", t);
        } finally {
            unregisterMBean();
            state.set(TERMINATED);
            terminated.countDown();
        }
    }

    // =====================================================================================================
    // Reactor API

    @Override
    public InetSocketAddress bind(SocketAddress address) throws IOException {
        if (state.get() != RUNNING) {
            throw new IllegalStateException("reactor is closed");
        }
        ServerSocketChannel ssc = ServerSocketChannel.open();
        try {
            ssc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ssc.bind(address, 1024);
            ssc.configureBlocking(false);
            InetSocketAddress bound = (InetSocketAddress) ssc.getLocalAddress();
            CompletableFuture<Void> registered = new CompletableFuture<>();
            Runnable register = () -> {
                try {
                    if (state.get() != RUNNING) {
                        throw new ClosedChannelException();
                    }
                    ssc.register(selector, SelectionKey.OP_ACCEPT, ssc);
                    servers.add(ssc);
                    boundAddresses.add(bound);
                    registered.complete(null);
                } catch (IOException | RuntimeException e) {
                    registered.completeExceptionally(e);
                }
            };
            if (inEventLoop()) {
                register.run();
            } else {
                execute(register);
            }
            registered.get(10, TimeUnit.SECONDS);
            log.debug("listening on {}", bound);
            return bound;
        } catch (IOException e) {
            closeQuietly(ssc);
            throw e;
        } catch (ExecutionException e) {
            closeQuietly(ssc);
            throw new IOException("cannot register " + address, e.getCause());
        } catch (InterruptedException e) {
            closeQuietly(ssc);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + address, e);
        } catch (TimeoutException | RejectedExecutionException e) {
            closeQuietly(ssc);
            throw new IOException("the loop did not register " + address, e);
        }
    }

    @Override
    public List<InetSocketAddress> boundAddresses() {
        return List.copyOf(boundAddresses);
    }

    @Override
    public void execute(Runnable task) {
        if (state.get() == TERMINATED) {
            throw new RejectedExecutionException("reactor terminated");
        }
        tasks.offer(task);
        if (!inEventLoop() && sleeping.compareAndSet(true, false)) {
            selector.wakeup();
        }
    }

    @Override
    public Cancellable schedule(long delay, TimeUnit unit, Runnable task) {
        ScheduledTimer t = new ScheduledTimer(clock.nanoTime() + unit.toNanos(Math.max(0, delay)), task);
        if (inEventLoop()) {
            t.seq = timerSeq++;
            timers.add(t);
        } else {
            execute(() -> {
                t.seq = timerSeq++;
                timers.add(t);
            });
        }
        return t;
    }

    @Override
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    /** Throws unless called on the loop thread. */
    void assertInLoop() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("only the loop thread " + thread.getName() + " may call this, not "
                    + Thread.currentThread().getName());
        }
    }

    @Override
    public ConnectionRegistry registry() {
        assertInLoop();
        return registry;
    }

    @Override
    public MessageWriter fanout() {
        assertInLoop();
        return userWriter.beginFanout();
    }

    @Override
    public ReactorStats stats() {
        if (inEventLoop() || state.get() == TERMINATED) {
            return snapshot();
        }
        CompletableFuture<ReactorStats> f = new CompletableFuture<>();
        try {
            execute(() -> f.complete(snapshot()));
            return f.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            // the loop is busy or gone: fall back to a racy read
        }
        return snapshot();
    }

    private ReactorStats snapshot() {
        long pendingOut = 0;
        long bufferedIn = 0;
        List<io.chatnio.Connection> all = registry.allUnchecked();
        for (int i = 0, n = all.size(); i < n; i++) {
            Conn c = (Conn) all.get(i);
            pendingOut += c.out.pending();
            ByteBuffer p = c.partial;
            bufferedIn += p == null ? 0 : p.position();
        }
        return new ReactorStats(all.size(), connectionsTotal, connectionsRejected, messagesIn, bytesIn,
                messagesOut, bytesOut, messagesDropped, slowConsumerCloses, protocolErrors, idleCloses, loopPasses,
                longestPassNanos, pendingOut, bufferedIn);
    }

    // =====================================================================================================
    // Liveness: idle timeout and heartbeat

    /** Starts the periodic check of idle connections, if a timeout or heartbeat is set. */
    private void startLivenessSweep() {
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
        execute(() -> sweepLiveness(period));
    }

    /** Closes idle connections and sends heartbeats; reschedules itself. Only called on the loop thread. */
    private void sweepLiveness(long period) {
        long now = clock.nanoTime();
        List<io.chatnio.Connection> all = registry.allUnchecked();
        for (int i = all.size() - 1; i >= 0; i--) { // backwards: closing swaps the last connection into slot i
            Conn c = (Conn) all.get(i);
            if (c.state != Conn.OPEN) {
                continue;
            }
            if (c.readPaused()) {
                c.lastReadNanos = now; // the server chose not to read it: that is not the peer's silence
                continue;
            }
            long silent = now - c.lastReadNanos;
            if (idleTimeoutNanos > 0 && silent >= idleTimeoutNanos) {
                idleCloses++;
                log.info("{}: idle for {} ms; closing", c, TimeUnit.NANOSECONDS.toMillis(silent));
                closeGracefully(c);
            } else if (heartbeatIntervalNanos > 0 && silent >= heartbeatIntervalNanos) {
                if (!c.pinged) {
                    c.pinged = true;
                    sendNow(c, ByteBuffer.wrap(heartbeatPing));
                } else if (silent >= heartbeatIntervalNanos + heartbeatTimeoutNanos) {
                    idleCloses++;
                    log.info("{}: no answer to the heartbeat; closing", c);
                    closeNow(c, new IOException("heartbeat timeout"));
                }
            }
        }
        if (state.get() == RUNNING) {
            schedule(period, TimeUnit.NANOSECONDS, () -> sweepLiveness(period));
        }
    }

    // =====================================================================================================
    // JMX

    private void registerMBean() {
        try {
            javax.management.ObjectName name = new javax.management.ObjectName(
                    "io.chatnio:type=Reactor,name=" + javax.management.ObjectName.quote(thread.getName()));
            java.lang.management.ManagementFactory.getPlatformMBeanServer().registerMBean(new JmxStats(this), name);
            mbeanName = name;
        } catch (Exception | LinkageError e) {
            log.warn("could not register the JMX MBean", e);
        }
    }

    private void unregisterMBean() {
        if (mbeanName != null) {
            try {
                java.lang.management.ManagementFactory.getPlatformMBeanServer().unregisterMBean(mbeanName);
            } catch (Exception | LinkageError e) {
                log.debug("could not unregister the JMX MBean", e);
            }
        }
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public void close() {
        close(closeTimeout);
    }

    @Override
    public void close(Duration drainTimeout) {
        if (state.get() == RUNNING) {
            drainDeadline = System.nanoTime() + drainTimeout.toNanos();
            if (state.compareAndSet(RUNNING, CLOSING)) {
                if (!inEventLoop() && sleeping.compareAndSet(true, false)) {
                    selector.wakeup();
                }
            }
        }
        if (inEventLoop()) {
            return;
        }
        try {
            if (!terminated.await(drainTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                log.warn("the loop did not end within {} after close", drainTimeout.plusSeconds(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throwIfFailed();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        boolean done = terminated.await(timeout, unit);
        throwIfFailed();
        return done;
    }

    @Override
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    private void throwIfFailed() {
        Throwable f = failure;
        if (f != null) {
            throw new ReactorException("event loop failed", f);
        }
    }

    @Override
    public String toString() {
        return "Reactor(" + thread.getName() + ", " + boundAddresses + ")";
    }
}
