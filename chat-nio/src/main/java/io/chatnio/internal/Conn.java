package io.chatnio.internal;

import io.chatnio.AttributeKey;
import io.chatnio.Connection;
import io.chatnio.FrameDecoder;
import io.chatnio.MessageWriter;
import io.chatnio.Reactor;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one connection class: a socket, its decoder, its partial inbound frame and its outbound queue.
 *
 * <p><b>Threading.</b> Owned by its loop thread, which alone touches the channel, buffers and attributes.
 * Other threads may call {@link #id()}, the address getters, {@link #isOpen()}, {@link #isWritable()} and the
 * methods documented "any thread" in {@link Connection}, which hand their work to the loop as a task.
 */
final class Conn implements Connection {
    static final int OPEN = 0;
    /** Reading stopped; closes once the outbound queue drains or the close deadline passes. */
    static final int CLOSING = 1;
    static final int CLOSED = 2;

    final EventLoop loop;
    final long id;
    final SocketChannel channel;
    final SelectionKey key;
    final FrameDecoder decoder;
    final InetSocketAddress remote;
    final InetSocketAddress local;
    /** The remote IPv4 address as a big-endian int, valid when {@link #remoteIsIpv4}. */
    final int remoteIpv4;
    final boolean remoteIsIpv4;
    /** Encoded output not yet written. */
    final OutboundQueue out = new OutboundQueue();

    /** OPEN, CLOSING or CLOSED; written on the loop only. */
    int state = OPEN;
    /** Mirrors {@code state == OPEN} for other threads. */
    private volatile boolean open = true;
    /** False between crossing the high watermark and falling below the low one. */
    private volatile boolean writable = true;
    /** Why a CLOSING connection is being closed, reported to onClose; null for an orderly close. */
    Throwable closeCause;
    /** Bytes of an incomplete frame (or of frames not yet delivered while paused) in [0, position), or null. */
    ByteBuffer partial;
    /** The peer shut down its output (read returned -1). */
    boolean inputShutdown;
    /** Reading was paused by the application ({@link #setReadingPaused}). */
    static final int PAUSED_BY_APP = 1;
    /** Reading was paused by the rate limit until a token is available. */
    static final int PAUSED_BY_RATE = 2;
    /** Reading was paused because a recipient of this sender is slow ({@code PAUSE_SENDER}). */
    static final int PAUSED_BY_BACKPRESSURE = 4;
    /** Why reading is paused: a set of PAUSED_BY_* bits; reading goes on only while it is 0. */
    int pausedBy;
    /** Number of slow recipients this sender waits for; PAUSED_BY_BACKPRESSURE is set while positive. */
    int blockedOn;
    /** Senders paused until this connection drains below its low watermark, in {@code [0, waiterCount)}. */
    Conn[] waiters;
    int waiterCount;
    /** Loop clock time of the last read that returned bytes (or of accept). */
    long lastReadNanos;
    /** A heartbeat ping was sent and no byte has arrived since. */
    boolean pinged;
    /** Rate-limit tokens left, and the loop clock time they were counted at. */
    double tokens;
    long tokensAt;
    /** Whether this connection is in the loop's list of connections to flush this pass. */
    boolean dirty;
    /** Whether this connection is in the loop's list of connections whose buffered frames must be decoded. */
    boolean readPending;
    /** Writability flipped since the handler was last told; reported in the flush phase. */
    boolean writabilityChanged;
    /** Whether OP_WRITE interest is set: the socket was full at the last flush. */
    boolean writeInterest;
    /** Interest ops last given to the key, to skip redundant updates. */
    int interestOps;
    /** Slot in the registry's list of all connections. */
    int registryIndex = -1;
    /** Registered name, or null. */
    String name;
    /** Groups this connection belongs to; null until it joins one. */
    List<String> groups;
    /** Attribute values indexed by {@link AttributeKey#index()}; null until the first is set. */
    private Object[] attrs;

    Conn(EventLoop loop, long id, SocketChannel channel, SelectionKey key, FrameDecoder decoder,
         InetSocketAddress remote, InetSocketAddress local) {
        this.loop = loop;
        this.id = id;
        this.channel = channel;
        this.key = key;
        this.decoder = decoder;
        this.remote = remote;
        this.local = local;
        this.interestOps = key.interestOps();
        if (remote.getAddress() instanceof Inet4Address v4) {
            byte[] a = v4.getAddress();
            remoteIpv4 = ((a[0] & 0xFF) << 24) | ((a[1] & 0xFF) << 16) | ((a[2] & 0xFF) << 8) | (a[3] & 0xFF);
            remoteIsIpv4 = true;
        } else {
            remoteIpv4 = 0;
            remoteIsIpv4 = false;
        }
    }

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
        return loop;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    boolean readPaused() {
        return pausedBy != 0;
    }

    /** Whether the connection no longer accepts output (closing or closed). Only called on the loop thread. */
    boolean isClosedOnLoop() {
        return state != OPEN;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    void setWritable(boolean writable) {
        this.writable = writable;
    }

    void markNotOpen() {
        open = false;
    }

    @Override
    public long pendingOutboundBytes() {
        loop.assertInLoop();
        return out.pending();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T attr(AttributeKey<T> key) {
        loop.assertInLoop();
        Object[] a = attrs;
        int i = key.index();
        return a != null && i < a.length ? (T) a[i] : null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T attr(AttributeKey<T> key, T value) {
        loop.assertInLoop();
        int i = key.index();
        if (attrs == null || i >= attrs.length) {
            if (value == null) {
                return null;
            }
            attrs = attrs == null ? new Object[Math.max(8, i + 1)] : Arrays.copyOf(attrs, Math.max(attrs.length * 2, i + 1));
        }
        T previous = (T) attrs[i];
        attrs[i] = value;
        return previous;
    }

    @Override
    public void send(ByteBuffer payload) {
        if (loop.inEventLoop()) {
            loop.sendNow(this, payload);
        } else {
            byte[] copy = new byte[payload.remaining()];
            payload.get(copy);
            loop.execute(() -> loop.sendNow(this, ByteBuffer.wrap(copy)));
        }
    }

    @Override
    public void send(CharSequence text) {
        send(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public MessageWriter message() {
        loop.assertInLoop();
        return loop.messageWriter().beginDirect(this);
    }

    @Override
    public void setReadingPaused(boolean paused) {
        if (loop.inEventLoop()) {
            loop.setReadPaused(this, paused);
        } else {
            loop.execute(() -> loop.setReadPaused(this, paused));
        }
    }

    @Override
    public void close() {
        if (loop.inEventLoop()) {
            loop.closeGracefully(this);
        } else {
            loop.execute(() -> loop.closeGracefully(this));
        }
    }

    @Override
    public void abort() {
        if (loop.inEventLoop()) {
            loop.closeNow(this, null);
        } else {
            loop.execute(() -> loop.closeNow(this, null));
        }
    }

    /** {@link #groups}, created on first use. Only called on the loop thread. */
    List<String> groupsForUpdate() {
        if (groups == null) {
            groups = new ArrayList<>(2);
        }
        return groups;
    }

    @Override
    public String toString() {
        return "Connection#" + id + "(" + remote + ")";
    }
}
