package io.chatnio.internal;

import io.chatnio.AttributeKey;
import io.chatnio.Connection;
import io.chatnio.FrameCodec;
import io.chatnio.FrameDecoder;
import io.chatnio.MessageWriter;
import io.chatnio.Reactor;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection class: a transport, its codec's decoder, its partial inbound frame and its outbound
 * queue. It owns its state transitions: reading paused and resumed, writability, and the close state
 * machine OPEN → CLOSING (draining its queue) → CLOSED. The read path, write path and flow control drive it
 * through these methods, never through its fields.
 *
 * <p><b>Threading.</b> Owned by its loop thread, which alone touches the transport, buffers and attributes.
 * Other threads may call {@link #id()}, the address getters, {@link #isOpen()}, {@link #isWritable()} and the
 * methods documented "any thread" in {@link Connection}, which hand their work to the loop as a task. Every
 * other method is "Only called on the loop thread".
 */
final class Conn implements Connection, Selectable {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);

    static final int OPEN = 0;
    /** Reading stopped, out of the registry; closes once the outbound queue drains or the close timeout passes. */
    static final int CLOSING = 1;
    static final int CLOSED = 2;
    /** Reading was paused by the application ({@link #setReadingPaused}). */
    static final int PAUSED_BY_APP = 1;
    /** Reading was paused by the rate limit until a token is available. */
    static final int PAUSED_BY_RATE = 2;
    /** Reading was paused because a recipient of this sender is slow ({@code PAUSE_SENDER}). */
    static final int PAUSED_BY_BACKPRESSURE = 4;

    final ReactorImpl reactor;
    final long id;
    final Transport transport;
    final SelectionKey key;
    /** This connection's framing: its listener's or its connect's. */
    final FrameCodec codec;
    final FrameDecoder decoder;
    final InetSocketAddress remote;
    final InetSocketAddress local;
    /** The remote IPv4 address as a big-endian int, valid when {@link #remoteIsIpv4}. */
    final int remoteIpv4;
    final boolean remoteIsIpv4;
    /** Encoded output not yet written; null while there is none (then the loop's {@link QueuePool} has it). */
    OutboundQueue out;
    /** Rate-limit bucket, or null when there is no rate limit. */
    final TokenBucket bucket;

    /** OPEN, CLOSING or CLOSED; only moves forward. */
    private int state = OPEN;
    /** Mirrors {@code state == OPEN} for other threads. */
    private volatile boolean open = true;
    /** False between crossing the high watermark and falling back to the low one. */
    private volatile boolean writable = true;
    /** Whether the handler was told of this connection (onOpen ran), and so must be told of its close. */
    boolean announced;
    /** Whether this connection counts against its IP's cap. */
    boolean countedByIp;
    /** Why a CLOSING connection is being closed, reported to onClose; null for an orderly close. */
    private Throwable closeCause;
    /** The close timeout of a CLOSING connection, or null. */
    private io.chatnio.Cancellable closeTimer;
    /** Bytes of an incomplete frame (or of frames not yet delivered while paused) in [0, position), or null. */
    ByteBuffer partial;
    /** The peer shut down its output (read returned -1). */
    boolean inputShutdown;
    /** {@link #shutdownOutput} was asked for: no more output is accepted; the socket's is shut once drained. */
    private boolean outputShutdown;
    /** The transport was told to end its output (after {@link #outputShutdown}, once the queue drained). */
    private boolean outputEnded;
    /** Why reading is paused: a set of PAUSED_BY_* bits; reading goes on only while it is 0. */
    private int pausedBy;
    /** Number of slow recipients this sender waits for; PAUSED_BY_BACKPRESSURE is set while positive. */
    private int blockedOn;
    /** Senders paused until this connection drains to its low watermark; null until the first. */
    private Waiters waiters;
    /** Loop clock time of the last read that returned bytes (or of registration). */
    long lastReadNanos;
    /** A heartbeat ping was sent and no byte has arrived since. */
    boolean pinged;
    /** Whether this connection is in the write path's list to flush this pass. */
    boolean dirty;
    /** Whether this connection is in the read path's list of connections whose held frames must be delivered. */
    boolean readPending;
    /** Writability flipped since the handler was last told; reported in the flush phase. */
    boolean writabilityChanged;
    /** Whether OP_WRITE interest is set: the socket was full at the last write. */
    boolean writeInterest;
    /** Interest ops last given to the key, to skip redundant updates. */
    private int interestOps;
    /** Slot in the registry's list of open connections, or -1. */
    int registryIndex = -1;
    /** Slot in the reactor's list of closing connections, or -1. */
    int drainingIndex = -1;
    /** Registered name, or null. */
    String name;
    /** Groups this connection belongs to; null until it joins one. */
    List<String> groups;
    /** Attribute values by key; null until the first is set. */
    private Attributes attrs;

    Conn(ReactorImpl reactor, long id, Transport transport, SelectionKey key, FrameCodec codec, FrameDecoder decoder,
         InetSocketAddress remote, InetSocketAddress local, TokenBucket bucket) {
        this.reactor = reactor;
        this.id = id;
        this.transport = transport;
        this.key = key;
        this.codec = codec;
        this.decoder = decoder;
        this.remote = remote;
        this.local = local;
        this.bucket = bucket;
        this.interestOps = key.interestOps();
        remoteIsIpv4 = remote.getAddress() instanceof Inet4Address;
        remoteIpv4 = remoteIsIpv4 ? Registry.ipv4((Inet4Address) remote.getAddress()) : 0;
    }

    // ---- readiness

    @Override
    public void ready(int readyOps) {
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            writeInterest = false; // the socket has room again: flush this pass
            reactor.flusher.markDirty(this);
        }
        if ((readyOps & SelectionKey.OP_READ) != 0) {
            reactor.inbound.read(this);
        }
    }

    // ---- state

    /** Whether the connection takes input and output. */
    boolean isOpenOnLoop() {
        return state == OPEN;
    }

    /** Whether a message may still be queued on it. */
    boolean acceptsOutput() {
        return state == OPEN && !outputShutdown;
    }

    boolean isClosed() {
        return state == CLOSED;
    }

    boolean readPaused() {
        return pausedBy != 0;
    }

    /** Bytes arrived from the peer at loop time {@code now}. */
    void heardFrom(long now) {
        lastReadNanos = now;
        pinged = false;
    }

    /** Stops reading for {@code reason} (a PAUSED_BY_* bit). */
    void pause(int reason) {
        if (state != OPEN) {
            return;
        }
        int before = pausedBy;
        pausedBy |= reason;
        if (before == 0) {
            updateInterest();
        }
    }

    /** Lifts {@code reason}; once nothing holds reading back, it resumes and held frames are delivered next pass. */
    void resume(int reason) {
        if (state != OPEN || (pausedBy & reason) == 0) {
            return;
        }
        pausedBy &= ~reason;
        if (pausedBy == 0) {
            updateInterest();
            if (partial != null || inputShutdown || transport.hasBufferedInput()) {
                reactor.inbound.deliverLater(this);
            }
        }
    }

    /** Pauses this sender until {@code recipient} drains; once per recipient. */
    void blockOn(Conn recipient) {
        Waiters w = recipient.waiters != null ? recipient.waiters : (recipient.waiters = new Waiters());
        if (w.add(this)) {
            blockedOn++;
            pause(PAUSED_BY_BACKPRESSURE);
        }
    }

    /** One recipient this sender waited for drained or closed; once none is left, it reads again. */
    void recipientDrained() {
        if (--blockedOn == 0) {
            resume(PAUSED_BY_BACKPRESSURE);
        }
    }

    /** This connection drained or is closing: the senders waiting for it, if any, may read again. */
    void releaseWaiters() {
        if (waiters != null && !waiters.isEmpty()) {
            waiters.release();
        }
    }

    /** Pending output crossed the high watermark. */
    void becameUnwritable() {
        if (writable) {
            writable = false;
            writabilityChanged = true;
        }
    }

    /** Pending output fell to the low watermark. */
    void becameWritable() {
        if (!writable) {
            writable = true;
            writabilityChanged = true;
        }
    }

    /** Sets OP_READ and OP_WRITE interest from the state. */
    void updateInterest() {
        if (state == CLOSED) {
            return;
        }
        boolean reading = state == OPEN && pausedBy == 0 && !inputShutdown;
        int ops = (reading ? SelectionKey.OP_READ : 0) | (writeInterest ? SelectionKey.OP_WRITE : 0);
        if (ops != interestOps) {
            interestOps = ops;
            key.interestOps(ops);
        }
    }

    /** The queue and the transport are written out after a flush: finish a pending half-close or graceful close. */
    void drained() {
        if (state == CLOSING) {
            closeIfTransportDone();
        } else if (outputShutdown && !outputEnded && state == OPEN) {
            outputEnded = true;
            try {
                transport.shutdownOutput();
            } catch (IOException e) {
                closeNow(e);
                return;
            }
            if (transport.hasPendingOutput()) { // TLS: close_notify, then the shutdown, once the socket takes it
                writeInterest = true;
                updateInterest();
            }
        }
    }

    /**
     * Closes gracefully: stops reading, leaves the registry (so it is no longer found, and senders get the
     * router's offline notice), writes what is queued, then closes; aborts at the close timeout.
     */
    void closeGracefully(Throwable cause) {
        if (state != OPEN) {
            return;
        }
        state = CLOSING;
        open = false;
        closeCause = cause;
        reactor.inbound.dropPartial(this);
        reactor.registry.remove(this);
        releaseWaiters();
        if (queuedBytes() == 0 && !transport.hasPendingOutput() && closeIfTransportDone()) {
            return;
        }
        reactor.addDraining(this);
        updateInterest();
        reactor.flusher.markDirty(this);
        closeTimer = reactor.loop.schedule(reactor.config.closeTimeoutNanos(), this::closeTimedOut);
    }

    /**
     * Closes now if the transport has ended its output (TLS: {@code close_notify} on the wire); else waits to
     * be writable. Whether it closed.
     */
    private boolean closeIfTransportDone() {
        try {
            if (transport.closeOutbound()) {
                closeNow(closeCause);
                return true;
            }
        } catch (IOException e) {
            closeNow(closeCause != null ? closeCause : e);
            return true;
        }
        writeInterest = true;
        updateInterest();
        return false;
    }

    /** Only called on the loop thread, by the close timer. */
    private void closeTimedOut() {
        if (state == CLOSING) {
            long left = queuedBytes();
            log.info("{}: output not drained within {} ms; closing, {} bytes discarded", this,
                    reactor.config.closeTimeoutNanos() / 1_000_000, left);
            closeNow(closeCause != null ? closeCause
                    : new IOException("close timeout: " + left + " bytes of queued output discarded"));
        }
    }

    /**
     * Stops input and drops queued output now; the close itself (and onClose) follows in the flush phase.
     * Used inside a writer's send, where the registry may be being iterated and no callback may run.
     */
    void closeLater(Throwable cause) {
        if (state == CLOSED) {
            return;
        }
        if (state == OPEN) {
            state = CLOSING;
            open = false;
            reactor.addDraining(this);
        }
        closeCause = cause;
        reactor.flusher.discardQueued(this);
        updateInterest();
        reactor.flusher.markDirty(this);
    }

    /** Closes at once, discarding queued output; the handler is told (after the current callback). Idempotent. */
    void closeNow(Throwable cause) {
        if (state == CLOSED) {
            return;
        }
        state = CLOSED;
        open = false;
        if (closeTimer != null) {
            closeTimer.cancel();
            closeTimer = null;
        }
        key.cancel();
        transport.close();
        reactor.flusher.discardQueued(this);
        reactor.inbound.dropPartial(this);
        reactor.registry.remove(this);
        reactor.removeDraining(this);
        reactor.admission.release(this);
        releaseWaiters();
        if (announced) {
            reactor.callbacks.closed(this, cause);
        }
    }

    // ---- Connection

    @Override
    public long id() {
        return id;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public Reactor reactor() {
        return reactor;
    }

    @Override
    public io.chatnio.TlsSession tls() {
        return transport.session();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** This connection's queue, taken from the pool if it has none. Only called on the loop thread. */
    OutboundQueue queue() {
        OutboundQueue q = out;
        return q != null ? q : (out = reactor.queues.take());
    }

    /** Encoded bytes queued and not yet written. Only called on the loop thread. */
    long queuedBytes() {
        OutboundQueue q = out;
        return q == null ? 0 : q.pending();
    }

    /** Gives the queue (and its own chunk) back once drained. Only called on the loop thread. */
    void releaseQueueIfDrained() {
        OutboundQueue q = out;
        if (q != null && q.releaseIfDrained(reactor.chunks)) {
            reactor.queues.release(q);
            out = null;
        }
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public long pendingOutboundBytes() {
        reactor.loop.assertInLoop();
        return queuedBytes() + transport.heldOutputBytes();
    }

    @Override
    public <T> T attr(AttributeKey<T> key) {
        reactor.loop.assertInLoop();
        return attrs == null ? null : attrs.get(key);
    }

    @Override
    public <T> T attr(AttributeKey<T> key, T value) {
        reactor.loop.assertInLoop();
        if (attrs == null && value != null) {
            attrs = new Attributes();
        }
        return attrs == null ? null : attrs.set(key, value);
    }

    @Override
    public void send(ByteBuffer payload) {
        reactor.send(this, payload);
    }

    @Override
    public void send(CharSequence text) {
        send(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public MessageWriter message() {
        reactor.loop.assertInLoop();
        return reactor.userWriter.beginDirect(this);
    }

    @Override
    public void setReadingPaused(boolean paused) {
        onLoop(paused ? () -> pause(PAUSED_BY_APP) : () -> resume(PAUSED_BY_APP));
    }

    @Override
    public void shutdownOutput() {
        onLoop(() -> {
            if (state == OPEN && !outputShutdown) {
                outputShutdown = true;
                if (queuedBytes() == 0) {
                    drained();
                }
            }
        });
    }

    @Override
    public void close() {
        onLoop(() -> closeGracefully(null));
    }

    @Override
    public void abort() {
        onLoop(() -> closeNow(null));
    }

    /** Runs {@code action} now on the loop thread, else as a task. Any thread. */
    private void onLoop(Runnable action) {
        if (reactor.loop.inEventLoop()) {
            action.run();
        } else {
            reactor.loop.execute(action);
        }
    }

    @Override
    public String toString() {
        return "Connection#" + id + "(" + remote + ")";
    }
}
