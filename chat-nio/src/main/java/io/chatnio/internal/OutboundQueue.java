package io.chatnio.internal;

import java.nio.ByteBuffer;

/**
 * One connection's encoded output not yet written to its socket: a FIFO of byte ranges of {@link Chunk}s,
 * written with gathering writes.
 *
 * <p>Each entry is {@code [start, end)} of one chunk and holds one reference to it. Ranges appended to the
 * chunk the last entry already covers, right after it, extend that entry, so back-to-back messages to one
 * recipient cost one buffer in the gather array, not one each. A range may belong to a chunk shared with
 * other queues (a fan-out); it is then read, never written. {@link #own} is the chunk new 1:1 messages to
 * this connection are encoded into; the queue holds one reference to it and gives it back when drained, so
 * an idle connection holds no buffer.
 *
 * <p><b>Threading.</b> Loop thread only.
 */
final class OutboundQueue {
    private static final int INITIAL = 8;

    /** Ring of entries: chunk, start and end of each; live ones are {@code [head, head + size)} mod length. */
    private Chunk[] chunks = new Chunk[INITIAL];
    private int[] starts = new int[INITIAL];
    private int[] ends = new int[INITIAL];
    /** Whether each entry references a fan-out chunk shared with other queues. */
    private boolean[] shared = new boolean[INITIAL];
    /** Live entries with {@code shared} set: each may pin a whole chunk that other queues are done with. */
    private int sharedEntries;
    /** Index of the oldest entry. */
    private int head;
    /** Number of live entries. */
    private int size;
    /** Sum of {@code end - start} over live entries. */
    private long pending;
    /** Chunk that 1:1 messages are appended to, or {@code null}; the queue holds one reference to it. */
    Chunk own;
    /** Bytes ever appended, minus bytes dropped; offsets below are on this scale. */
    private long appendedTotal;
    /** Bytes ever written to the socket (consumed). */
    private long consumedTotal;
    /** End offset of the last message fully written or dropped from the front. */
    private long lastMessageEnd;
    /** Ring of end offsets of queued messages, oldest first: {@code [msgHead, msgHead + msgCount)}. */
    private long[] messageEnds = new long[INITIAL];
    private int msgHead;
    private int msgCount;

    long pending() {
        return pending;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Live entries that reference fan-out chunks; see {@link EventLoop#MAX_SHARED_ENTRIES}. */
    int sharedEntries() {
        return sharedEntries;
    }

    /** Appends {@code chunk[start, end)} of a chunk of this queue's own. */
    void append(Chunk chunk, int start, int end) {
        append(chunk, start, end, false);
    }

    /**
     * Appends {@code chunk[start, end)}, taking a reference unless it extends the last entry.
     *
     * @param isShared whether the chunk holds a fan-out encoding referenced by other queues too
     */
    void append(Chunk chunk, int start, int end, boolean isShared) {
        if (end <= start) {
            return;
        }
        pending += end - start;
        appendedTotal += end - start;
        if (size > 0) {
            int last = (head + size - 1) & (chunks.length - 1);
            if (chunks[last] == chunk && ends[last] == start && shared[last] == isShared) {
                ends[last] = end;
                return;
            }
        }
        if (size == chunks.length) {
            grow();
        }
        int i = (head + size) & (chunks.length - 1);
        chunks[i] = chunk;
        starts[i] = start;
        ends[i] = end;
        shared[i] = isShared;
        if (isShared) {
            sharedEntries++;
        }
        size++;
        chunk.refs++;
    }

    private void grow() {
        int n = chunks.length;
        Chunk[] c = new Chunk[n * 2];
        int[] s = new int[n * 2];
        int[] e = new int[n * 2];
        boolean[] f = new boolean[n * 2];
        for (int k = 0; k < size; k++) {
            int i = (head + k) & (n - 1);
            c[k] = chunks[i];
            s[k] = starts[i];
            e[k] = ends[i];
            f[k] = shared[i];
        }
        chunks = c;
        starts = s;
        ends = e;
        shared = f;
        head = 0;
    }

    /**
     * Fills {@code iov[0, count)} with the oldest entries' buffers, positioned on their ranges, up to
     * {@code iov.length} buffers and about {@code maxBytes} bytes. Stops before a chunk already placed in this
     * array (it has only one position and limit): that entry goes in the next write.
     *
     * @return count, at least 1 if the queue is not empty
     */
    int gather(ByteBuffer[] iov, long epoch, long maxBytes) {
        int count = 0;
        long bytes = 0;
        int mask = chunks.length - 1;
        while (count < size && count < iov.length && bytes < maxBytes) {
            int i = (head + count) & mask;
            Chunk c = chunks[i];
            if (c.gatherEpoch == epoch) {
                break;
            }
            c.gatherEpoch = epoch;
            ByteBuffer b = c.buf;
            b.limit(ends[i]).position(starts[i]);
            iov[count++] = b;
            bytes += ends[i] - starts[i];
        }
        return count;
    }

    /** Marks the end of a message: everything appended so far. Used to drop whole messages. */
    void endMessage() {
        if (msgCount > 0 && messageEnds[(msgHead + msgCount - 1) & (messageEnds.length - 1)] == appendedTotal) {
            return;
        }
        if (msgCount == messageEnds.length) {
            long[] m = new long[msgCount * 2];
            for (int k = 0; k < msgCount; k++) {
                m[k] = messageEnds[(msgHead + k) & (messageEnds.length - 1)];
            }
            messageEnds = m;
            msgHead = 0;
        }
        messageEnds[(msgHead + msgCount) & (messageEnds.length - 1)] = appendedTotal;
        msgCount++;
    }

    /**
     * Appends a copy of {@code src[from, to)} to this queue's own chunks, taking chunks from {@code pool} as
     * needed. Used instead of sharing when a backlogged queue would otherwise pin fan-out chunks.
     */
    void appendCopy(ByteBuffer src, int from, int to, ChunkPool pool) {
        while (from < to) {
            if (own == null || own.room() == 0) {
                if (own != null) {
                    pool.release(own);
                }
                own = pool.take();
            }
            int n = Math.min(own.room(), to - from);
            own.buf.clear();
            own.buf.put(own.writeIndex, src, from, n);
            append(own, own.writeIndex, own.writeIndex + n, false);
            own.writeIndex += n;
            from += n;
        }
    }

    /** Drops the first {@code written} bytes, releasing chunks of entries fully written. */
    void consume(long written, ChunkPool pool) {
        consumedTotal += written;
        while (msgCount > 0 && messageEnds[msgHead] <= consumedTotal) {
            lastMessageEnd = messageEnds[msgHead];
            msgHead = (msgHead + 1) & (messageEnds.length - 1);
            msgCount--;
        }
        pending -= written;
        int mask = chunks.length - 1;
        while (written > 0) {
            int len = ends[head] - starts[head];
            if (written < len) {
                starts[head] += (int) written;
                return;
            }
            written -= len;
            if (shared[head]) {
                sharedEntries--;
            }
            pool.release(chunks[head]);
            chunks[head] = null;
            head = (head + 1) & mask;
            size--;
        }
    }

    /** Gives back the own chunk once nothing is queued, so an idle connection holds no buffer. */
    void releaseOwnIfDrained(ChunkPool pool) {
        if (size == 0 && own != null) {
            pool.release(own);
            own = null;
        }
    }

    /**
     * Drops whole messages, oldest first, until at most {@code target} bytes are pending. Never drops the
     * newest message, nor one whose first bytes are already on the wire.
     *
     * @return the number of messages dropped
     */
    int dropOldest(long target, ChunkPool pool) {
        int mask = messageEnds.length - 1;
        int first = consumedTotal > lastMessageEnd ? 1 : 0; // a partly written head message stays
        long from = first == 0 ? lastMessageEnd : messageEnds[msgHead];
        int k = first;
        long to = from;
        while (pending - (to - from) > target && k < msgCount - 1) {
            to = messageEnds[(msgHead + k) & mask];
            k++;
        }
        int dropped = k - first;
        if (dropped == 0) {
            return 0;
        }
        removeRange(from, to, pool);
        long cut = to - from;
        // remove ends [first, k) and shift the later ones down by cut
        long[] m = new long[messageEnds.length];
        int n = 0;
        for (int j = 0; j < msgCount; j++) {
            long end = messageEnds[(msgHead + j) & mask];
            if (j < first) {
                m[n++] = end;
            } else if (j >= k) {
                m[n++] = end - cut;
            }
        }
        messageEnds = m;
        msgHead = 0;
        msgCount = n;
        appendedTotal -= cut;
        pending -= cut;
        return dropped;
    }

    /** Cuts the bytes at offsets {@code [from, to)} out of the entries. */
    private void removeRange(long from, long to, ChunkPool pool) {
        int n = chunks.length;
        Chunk[] c = new Chunk[size + 1 <= n ? n : n * 2]; // a power of two: the ring is indexed with a mask
        int[] st = new int[c.length];
        int[] en = new int[c.length];
        boolean[] sh = new boolean[c.length];
        int out = 0;
        sharedEntries = 0;
        long pos = consumedTotal;
        for (int k = 0; k < size; k++) {
            int i = (head + k) & (n - 1);
            long len = ends[i] - starts[i];
            long keepBefore = Math.max(0, Math.min(pos + len, from) - pos);
            long keepAfterFrom = Math.max(pos, to);
            long keepAfter = Math.max(0, pos + len - keepAfterFrom);
            int pieces = 0;
            if (keepBefore > 0) {
                c[out] = chunks[i];
                sh[out] = shared[i];
                st[out] = starts[i];
                en[out++] = starts[i] + (int) keepBefore;
                pieces++;
            }
            if (keepAfter > 0) {
                c[out] = chunks[i];
                sh[out] = shared[i];
                st[out] = ends[i] - (int) keepAfter;
                en[out++] = ends[i];
                pieces++;
            }
            if (shared[i]) {
                sharedEntries += pieces;
            }
            if (pieces == 0) {
                pool.release(chunks[i]);
            } else if (pieces == 2) {
                chunks[i].refs++;
            }
            pos += len;
        }
        chunks = c;
        starts = st;
        ends = en;
        shared = sh;
        head = 0;
        size = out;
    }

    /** Discards everything queued and releases every chunk. */
    void clear(ChunkPool pool) {
        int mask = chunks.length - 1;
        while (size > 0) {
            pool.release(chunks[head]);
            chunks[head] = null;
            head = (head + 1) & mask;
            size--;
        }
        pending = 0;
        msgCount = 0;
        sharedEntries = 0;
        if (own != null) {
            pool.release(own);
            own = null;
        }
    }
}
