package io.chatnio.internal;

import io.chatnio.FrameDecoder;
import io.chatnio.FrameException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read path: read a connection's socket into the loop's one read buffer, cut the bytes into frames with
 * the connection's decoder, and hand each frame, in place, to the handler. Only the bytes of an incomplete
 * frame at the end of a read are copied out, into a pooled partial buffer of that connection, and copied
 * back in front of its next read. Frames held while reading is paused are delivered once it resumes.
 *
 * <p><b>Threading.</b> Loop thread only; every method is "Only called on the loop thread".
 */
final class InboundPath {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);

    private final ReactorImpl reactor;
    private final Stats stats;
    private final PartialPool partials;
    private final int maxReadBytesPerPass;
    /** The one read buffer: every read lands here; a multiple of 8 bytes, and fits any codec's largest frame. */
    private ByteBuffer readBuffer;
    /** Where the newlines of {@link #readBuffer} are, for the built-in line decoders. */
    private NewlineIndex newlines;
    /** Connections whose held frames must be delivered (reading resumed), in {@code [0, pendingCount)}. */
    private Conn[] pending = new Conn[16];
    private int pendingCount;

    InboundPath(ReactorImpl reactor, Stats stats, Config config) {
        this.reactor = reactor;
        this.stats = stats;
        this.maxReadBytesPerPass = config.maxReadBytesPerPass();
        int size = readSizeFor(config.readBufferSize(), config.codec().maxFrameLength());
        this.readBuffer = ByteBuffer.allocateDirect(size);
        this.newlines = new NewlineIndex(readBuffer);
        this.partials = new PartialPool(size, 4 << 20);
    }

    /** A read buffer that holds {@code wanted} bytes and a partial frame of {@code maxFrame} plus a read, in words. */
    private static int readSizeFor(int wanted, int maxFrame) {
        long size = Math.max(wanted, (long) maxFrame + 4096);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("frames too large for one read buffer: " + maxFrame);
        }
        return (int) ((size + 7) & ~7L);
    }

    /**
     * Grows the read buffer, if needed, so that a partial frame of {@code maxFrame} bytes fits.
     *
     * @return whether it grew: decoders attached before must then be {@linkplain #attach attached} again
     */
    boolean ensureFits(int maxFrame) {
        int size = readSizeFor(readBuffer.capacity(), maxFrame);
        if (size <= readBuffer.capacity()) {
            return false;
        }
        readBuffer = ByteBuffer.allocateDirect(size);
        newlines = new NewlineIndex(readBuffer);
        return true;
    }

    /** Lets a built-in line decoder find line ends through the index of the read buffer. */
    void attach(FrameDecoder decoder) {
        if (decoder instanceof LineCodec.Decoder line) {
            line.useIndex(newlines);
        }
    }

    boolean hasPending() {
        return pendingCount > 0;
    }

    /** Reads what the socket has, up to the per-pass budget, and delivers every complete frame. */
    void read(Conn c) {
        if (!c.isOpenOnLoop() || c.readPaused()) {
            return;
        }
        ByteBuffer rb = readBuffer;
        rb.clear();
        restorePartial(c, rb);
        int budget = maxReadBytesPerPass;
        boolean eof = false;
        long now = reactor.loopNanos();
        while (true) {
            int room = rb.remaining();
            int n;
            try {
                n = c.transport.read(rb);
            } catch (IOException e) {
                c.closeNow(e); // reset by peer and the like
                return;
            }
            if (n < 0) {
                eof = true;
            } else if (n > 0) {
                stats.bytesIn += n;
                budget -= n;
                c.heardFrom(now);
            }
            rb.flip();
            if (!deliver(c, rb, now)) {
                return;
            }
            if (eof || (n < room && (n == 0 || !c.transport.hasBufferedInput())) || budget <= 0 || c.readPaused()) {
                break; // n < room: the socket is drained, skip the read that would return 0
            }
            rb.compact();
        }
        keepPartial(c, rb);
        if (c.transport.hasPendingOutput()) {
            reactor.flusher.markDirty(c); // the transport's own answer (TLS: a key update, a close_notify)
        }
        if (eof) {
            inputShutdown(c);
        } else if (c.transport.hasBufferedInput()) {
            deliverLater(c); // already off the socket: no readiness will announce it
        }
        reactor.flusher.flushIfOverThreshold();
    }

    /** Moves a connection's held bytes to the front of the read buffer. */
    private void restorePartial(Conn c, ByteBuffer rb) {
        ByteBuffer p = c.partial;
        if (p != null) {
            stats.bufferedInboundBytes -= p.position();
            p.flip();
            rb.put(p);
            partials.release(p);
            c.partial = null;
        }
    }

    /** Copies the undelivered bytes {@code rb[position, limit)} into a pooled buffer of the connection. */
    private void keepPartial(Conn c, ByteBuffer rb) {
        int left = rb.remaining();
        if (left > 0) {
            ByteBuffer p = partials.take(left);
            p.put(rb);
            c.partial = p;
            stats.bufferedInboundBytes += left;
        }
    }

    /** Gives back {@code c}'s held bytes, if any: it is closing. */
    void dropPartial(Conn c) {
        ByteBuffer p = c.partial;
        if (p != null) {
            stats.bufferedInboundBytes -= p.position();
            partials.release(p);
            c.partial = null;
        }
    }

    /**
     * Decodes and delivers the complete frames in {@code rb[position, limit)}, leaving position at the first
     * undelivered byte. Stops early if the connection pauses or closes.
     *
     * @return {@code false} if the connection is no longer open (the remaining bytes are then to be dropped)
     */
    private boolean deliver(Conn c, ByteBuffer rb, long now) {
        int limit = rb.limit();
        if (c.decoder instanceof LineCodec.Decoder) {
            newlines.load(rb.position(), limit); // the bytes just read, and any restored partial frame
        }
        while (!c.readPaused()) {
            int start = rb.position();
            int end;
            try {
                end = c.decoder.decode(rb);
            } catch (FrameException e) {
                stats.protocolErrors++;
                log.info("{}: closing on bad input: {}", c, e.getMessage());
                c.closeNow(e);
                return false;
            } catch (Throwable t) {
                ReactorImpl.rethrowIfFatal(t);
                reactor.callbacks.applicationError(c, "decoder " + c.codec, t);
                return false;
            }
            if (end == FrameDecoder.NEED_MORE) {
                rb.limit(limit).position(start);
                break;
            }
            if (end <= start || end > limit) {
                reactor.callbacks.applicationError(c, "decoder " + c.codec, new IllegalStateException(
                        "decoder returned " + end + " for bytes [" + start + ", " + limit + ")"));
                return false;
            }
            if (c.bucket != null && !reactor.flow.takeToken(c, now)) {
                rb.limit(limit).position(start); // not delivered: it stays buffered, or the connection closes
                if (!c.isOpenOnLoop()) {
                    return false;
                }
                break;
            }
            stats.messagesIn++;
            if (!reactor.callbacks.message(c, rb)) {
                return false;
            }
            rb.limit(limit).position(end);
            if (!c.isOpenOnLoop()) {
                return false;
            }
        }
        return true;
    }

    /** The peer shut down its output: deliver what it sent, flush what it is owed, then close. */
    private void inputShutdown(Conn c) {
        c.inputShutdown = true;
        if (c.readPaused()) {
            c.updateInterest(); // held frames are delivered on resume, then the connection closes
            return;
        }
        if (c.partial != null) {
            log.debug("{}: end of input inside a frame; {} bytes dropped", c, c.partial.position());
        }
        c.closeGracefully(null);
    }

    /** Queues {@code c}, whose reading resumed, for delivery of its held frames in the next delivery phase. */
    void deliverLater(Conn c) {
        if (!c.readPending) {
            if (pendingCount == pending.length) {
                pending = Arrays.copyOf(pending, pendingCount * 2);
            }
            pending[pendingCount++] = c;
            c.readPending = true;
        }
    }

    /** Delivers frames held while reading was paused, for connections that resumed. */
    void deliverResumed() {
        int n = pendingCount;
        long now = reactor.loopNanos();
        for (int i = 0; i < n; i++) {
            Conn c = pending[i];
            pending[i] = null;
            c.readPending = false;
            if (!c.isOpenOnLoop() || c.readPaused()) {
                continue;
            }
            if (c.transport.hasBufferedInput()) {
                read(c); // restores the partial frame itself
                continue;
            }
            if (c.partial != null) {
                ByteBuffer rb = readBuffer;
                rb.clear();
                restorePartial(c, rb);
                rb.flip();
                if (!deliver(c, rb, now)) {
                    continue;
                }
                keepPartial(c, rb);
            }
            if (c.inputShutdown && !c.readPaused()) {
                inputShutdown(c);
            }
        }
        // connections that resumed during this phase were appended after n
        System.arraycopy(pending, n, pending, 0, pendingCount - n);
        Arrays.fill(pending, pendingCount - n, pendingCount, null);
        pendingCount -= n;
    }
}
