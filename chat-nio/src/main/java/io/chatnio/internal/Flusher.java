package io.chatnio.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The write path: which connections have output this pass, and the gathering writes that send it.
 *
 * <p>Output is queued by writers during a pass and written once, in the flush phase: a burst of messages to
 * one recipient costs one {@code write} call. Writes go straight to the socket; only a socket that takes
 * less than offered turns on OP_WRITE, and the next writable event turns it off again. Each connection gets
 * at most {@code maxWriteBytesPerPass} per pass, so one fast reader cannot starve the rest.
 *
 * <p><b>Threading.</b> Loop thread only; every method is "Only called on the loop thread".
 */
final class Flusher {
    /** Buffers per gathering write (below the usual IOV_MAX of 1024; larger arrays bring no gain). */
    private static final int IOV_LENGTH = 64;
    /**
     * Output queued in one pass after which the pass flushes before handling more ready keys. Flushing once
     * per pass batches writes; but with thousands of busy connections a pass can queue tens of megabytes,
     * which then no longer sit in the CPU cache when the socket writes copy them out. Flushing too often
     * costs too: each flush that hands data to an idle peer wakes it, and the waking is paid on this
     * thread, inside the write. 512 KiB sits between the two (measurements in docs/benchmarks.md).
     */
    static final int FLUSH_THRESHOLD = 512 * 1024;

    private final ReactorImpl reactor;
    private final Stats stats;
    private final ChunkPool chunks;
    private final long maxWriteBytesPerPass;
    private final int lowWatermark;
    /** Gather array; entries are chunk views owned by this class, nulled after each write. */
    private final ByteBuffer[] iov = new ByteBuffer[IOV_LENGTH];
    /** Incremented per gathering write; see {@link Chunk#gatherEpoch}. */
    private long gatherEpoch;
    /** Connections to flush in {@code [0, dirtyCount)}; each has {@code dirty} set. */
    private Conn[] dirty = new Conn[64];
    private int dirtyCount;
    /** Bytes queued since the last flush; see {@link #FLUSH_THRESHOLD}. */
    private long queuedSinceFlush;

    Flusher(ReactorImpl reactor, Stats stats, ChunkPool chunks, Config config) {
        this.reactor = reactor;
        this.stats = stats;
        this.chunks = chunks;
        this.maxWriteBytesPerPass = config.maxWriteBytesPerPass();
        this.lowWatermark = config.lowWatermark();
    }

    /** {@code bytes} of one message were queued on {@code c}. */
    void queued(Conn c, int bytes) {
        stats.messagesOut++;
        stats.pendingOutboundBytes += bytes;
        queuedSinceFlush += bytes;
        markDirty(c);
    }

    /** Drops everything queued on {@code c}. */
    void discardQueued(Conn c) {
        OutboundQueue q = c.out;
        if (q != null) {
            stats.pendingOutboundBytes -= q.pending();
            q.clear(chunks);
            c.releaseQueueIfDrained();
        }
    }

    /** {@code c} dropped {@code bytes} of queued messages (DROP_OLDEST). */
    void dropped(long bytes) {
        stats.pendingOutboundBytes -= bytes;
    }

    boolean hasDirty() {
        return dirtyCount > 0;
    }

    void markDirty(Conn c) {
        if (!c.dirty) {
            if (dirtyCount == dirty.length) {
                dirty = Arrays.copyOf(dirty, dirtyCount * 2);
            }
            dirty[dirtyCount++] = c;
            c.dirty = true;
        }
    }

    /** Flushes now if a pass has queued more than {@link #FLUSH_THRESHOLD} since the last flush. */
    void flushIfOverThreshold() {
        if (queuedSinceFlush >= FLUSH_THRESHOLD) {
            flushDirty();
        }
    }

    /** The flush phase: writes every connection that got output. */
    void flushDirty() {
        queuedSinceFlush = 0;
        int n = dirtyCount;
        for (int i = 0; i < n; i++) {
            Conn c = dirty[i];
            dirty[i] = null;
            c.dirty = false;
            if (!c.isClosed()) {
                flush(c);
            }
        }
        // connections queued to during this phase (by callbacks) or over their budget were appended after n
        System.arraycopy(dirty, n, dirty, 0, dirtyCount - n);
        Arrays.fill(dirty, dirtyCount - n, dirtyCount, null);
        dirtyCount -= n;
    }

    /** Writes what the socket takes, then settles interest, writability, waiting senders and closing. */
    private void flush(Conn c) {
        if (!c.writeInterest) {
            IOException failed = writeOut(c);
            if (failed != null) {
                c.closeNow(failed);
                return;
            }
        }
        if (c.queuedBytes() == 0 && !c.transport.hasPendingOutput()) {
            c.writeInterest = false;
            c.releaseQueueIfDrained();
            c.drained();
            if (c.isClosed()) {
                return;
            }
        }
        c.updateInterest();
        if (c.queuedBytes() <= lowWatermark) {
            c.becameWritable();
            c.releaseWaiters();
        }
        if (c.writabilityChanged) {
            c.writabilityChanged = false;
            reactor.callbacks.writabilityChanged(c);
        }
    }

    /**
     * Gathering writes of {@code c}'s queue until the socket is full (then OP_WRITE is wanted), the queue is
     * empty, or the per-pass budget is spent (then it stays dirty for the next pass).
     *
     * @return the write's exception, for the caller to close the connection with; null if none
     */
    IOException writeOut(Conn c) {
        OutboundQueue q = c.out;
        Transport t = c.transport;
        try {
            if (t.hasPendingOutput() && !t.flushPending()) {
                c.writeInterest = true; // what the transport holds goes first
                c.updateInterest();
                return null;
            }
        } catch (IOException e) {
            return e;
        }
        if (q == null) {
            return null;
        }
        long budget = maxWriteBytesPerPass;
        while (!q.isEmpty()) {
            int count = q.gather(iov, ++gatherEpoch, budget);
            long want = 0;
            for (int i = 0; i < count; i++) {
                want += iov[i].remaining();
            }
            long written;
            try {
                written = c.transport.write(iov, 0, count);
            } catch (IOException e) {
                return e;
            } finally {
                Arrays.fill(iov, 0, count, null);
            }
            q.consume(written, chunks);
            stats.bytesOut += written;
            stats.pendingOutboundBytes -= written;
            budget -= written;
            if (written < want || t.hasPendingOutput()) {
                c.writeInterest = true; // the socket is full: wait for OP_WRITE
                c.updateInterest();
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
}
