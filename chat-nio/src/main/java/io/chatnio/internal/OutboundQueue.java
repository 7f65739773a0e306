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
 * this connection are encoded into; the queue holds one reference to it and gives it back when drained.
 * A connection holds a queue only while it has output: drained, the queue goes back to the loop's
 * {@link QueuePool} with its arrays, so an idle connection holds neither queue nor buffer.
 *
 * <p>Message boundaries are only needed to drop whole messages (DROP_OLDEST), so they are recorded only
 * while the queue is backlogged: from a message that ends above the low watermark until every recorded
 * boundary is written. A queue that keeps up pays nothing; a backlogged one 8 bytes per queued message.
 *
 * <p><b>Threading.</b> Loop thread only.
 */
final class OutboundQueue {
    /**
     * Most entries of one queue that reference shared fan-out chunks; later fan-outs to it are copied into
     * its own chunks instead. A shared chunk stays alive while any queue references it, so a backlogged
     * recipient could otherwise pin a whole chunk per small message it has not yet received; with this cap
     * it pins at most 16 chunks (128 KiB at the default chunk size), give or take the entry a DROP_OLDEST cut
     * inside a shared range splits in two. A recipient that keeps up has at most a
     * few shared entries queued and never pays for the copy.
     */
    static final int MAX_SHARED_ENTRIES = 16;
    /** Entries a new queue has room for; a power of two. A queue that grew shrinks back to it when drained. */
    static final int INITIAL = 8;

    /** Ring of entries: chunk, start and end of each; live ones are {@code [head, head + size)} mod length. */
    private Chunk[] chunks = new Chunk[INITIAL];
    private int[] starts = new int[INITIAL];
    private int[] ends = new int[INITIAL];
    /** Whether each entry references a fan-out chunk shared with other queues. */
    private boolean[] shared = new boolean[INITIAL];
    /** Live entries with {@code shared} set. */
    private int sharedEntries;
    /** Index of the oldest entry. */
    private int head;
    /** Number of live entries. */
    private int size;
    /** Sum of {@code end - start} over live entries. */
    private long pending;
    /** Chunk that 1:1 messages are appended to, or {@code null}; the queue holds one reference to it. */
    Chunk own;
    /** Bytes ever appended, minus bytes dropped; the offsets below are on this scale. */
    private long appendedTotal;
    /** Bytes ever written to the socket (consumed). */
    private long consumedTotal;
    /**
     * Where the first recorded message (ending at the first recorded end) starts: the end of the last message
     * whose end was not recorded, or the last recorded end already written. Known at all times, since every
     * message end either is recorded or moves this.
     */
    private long recordedStart;
    /** Ring of recorded message end offsets, oldest first, in {@code [endHead, endHead + endCount)}; null until needed. */
    private long[] messageEnds;
    private int endHead;
    private int endCount;

    long pending() {
        return pending;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Live entries that reference fan-out chunks; see {@link #MAX_SHARED_ENTRIES}. */
    int sharedEntries() {
        return sharedEntries;
    }

    /** Recorded message boundaries; for tests of the memory bound. */
    int recordedBoundaries() {
        return endCount;
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
        resize(chunks.length * 2);
    }

    /** Moves the live entries to arrays of {@code capacity}, oldest first. */
    private void resize(int capacity) {
        int mask = chunks.length - 1;
        Chunk[] c = new Chunk[capacity];
        int[] s = new int[capacity];
        int[] e = new int[capacity];
        boolean[] sh = new boolean[capacity];
        for (int k = 0; k < size; k++) {
            int i = (head + k) & mask;
            c[k] = chunks[i];
            s[k] = starts[i];
            e[k] = ends[i];
            sh[k] = shared[i];
        }
        chunks = c;
        starts = s;
        ends = e;
        shared = sh;
        head = 0;
    }

    /**
     * Fills {@code iov[0, count)} with the oldest entries' chunk views, positioned on their ranges, up to
     * {@code iov.length} buffers and about {@code maxBytes} bytes. Stops before a chunk already placed in this
     * array (its view has only one position and limit): that entry goes in the next write.
     *
     * @return count, at least 1 if the queue is not empty
     */
    int gather(ByteBuffer[] iov, long epoch, long maxBytes) {
        if (size == 0) {
            return 0;
        }
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
            ByteBuffer v = c.view;
            v.limit(ends[i]).position(starts[i]);
            iov[count++] = v;
            bytes += ends[i] - starts[i];
        }
        return count;
    }

    /**
     * Marks the end of a message: everything appended so far. Recorded if {@code backlogged}, or while
     * earlier boundaries are still recorded (so that none is missing between two recorded ones).
     */
    void endMessage(boolean backlogged) {
        if (endCount == 0 && (!backlogged || appendedTotal == recordedStart)) {
            recordedStart = appendedTotal; // not recorded (or empty): the next message starts here
            return;
        }
        if (messageEnds == null) {
            messageEnds = new long[INITIAL];
        }
        int mask = messageEnds.length - 1;
        if (endCount > 0 && messageEnds[(endHead + endCount - 1) & mask] == appendedTotal) {
            return;
        }
        if (endCount == messageEnds.length) {
            long[] m = new long[endCount * 2];
            for (int k = 0; k < endCount; k++) {
                m[k] = messageEnds[(endHead + k) & mask];
            }
            messageEnds = m;
            endHead = 0;
            mask = m.length - 1;
        }
        messageEnds[(endHead + endCount) & mask] = appendedTotal;
        endCount++;
    }

    private long endAt(int k) {
        return messageEnds[(endHead + k) & (messageEnds.length - 1)];
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
            own.buf.put(own.writeIndex, src, from, n);
            append(own, own.writeIndex, own.writeIndex + n, false);
            own.writeIndex += n;
            from += n;
        }
    }

    /** Drops the first {@code written} bytes, releasing chunks of entries fully written. */
    void consume(long written, ChunkPool pool) {
        consumedTotal += written;
        if (endCount > 0) {
            while (endCount > 0 && endAt(0) <= consumedTotal) {
                recordedStart = endAt(0);
                endHead = (endHead + 1) & (messageEnds.length - 1);
                endCount--;
            }
            if (endCount == 0 && messageEnds.length > INITIAL) {
                messageEnds = null; // the backlog is written: give back what it grew
                endHead = 0;
            }
        }
        pending -= written;
        if (written == 0) {
            return;
        }
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

    /**
     * Once nothing is queued: gives back the own chunk and shrinks arrays that grew during a backlog, leaving
     * the queue as new, ready for {@link QueuePool#release}.
     *
     * @return whether the queue was drained (and is now as new)
     */
    boolean releaseIfDrained(ChunkPool pool) {
        if (size != 0) {
            return false;
        }
        if (own != null) {
            pool.release(own);
            own = null;
        }
        if (chunks.length > INITIAL) {
            resize(INITIAL);
        }
        return true;
    }

    /** Whether this queue is as {@link #releaseIfDrained} leaves it: empty, no own chunk, initial capacity. */
    boolean isAsNew() {
        return size == 0 && own == null && chunks.length == INITIAL;
    }

    /**
     * Drops whole recorded messages, oldest first, until at most {@code target} bytes are pending. Never drops
     * the newest message, one whose first bytes are already on the wire, or one whose end is not recorded
     * (those were queued below the low watermark, ahead of every recorded one).
     *
     * @return the number of messages dropped
     */
    int dropOldest(long target, ChunkPool pool) {
        if (endCount < 2) { // the one recorded message is the newest
            return 0;
        }
        // recorded message k spans [start(k), endAt(k)): message 0 from recordedStart, unless writing began it
        int first = recordedStart >= consumedTotal ? 0 : 1;
        long from = first == 0 ? recordedStart : endAt(0);
        int k = first;
        long to = from;
        while (pending - (to - from) > target && k < endCount - 1) {
            to = endAt(k);
            k++;
        }
        int dropped = k - first;
        if (dropped == 0) {
            return 0;
        }
        long cut = to - from;
        removeRange(from, to, pool);
        // remove the ends of messages [first, k) and move the later ones down by cut, in place
        int mask = messageEnds.length - 1;
        for (int j = k; j < endCount; j++) {
            messageEnds[(endHead + j - dropped) & mask] = messageEnds[(endHead + j) & mask] - cut;
        }
        endCount -= dropped;
        appendedTotal -= cut;
        pending -= cut;
        return dropped;
    }

    /** Cuts the bytes at offsets {@code [from, to)}, which no write has begun, out of the entries, in place. */
    private void removeRange(long from, long to, ChunkPool pool) {
        int mask = chunks.length - 1;
        long pos = consumedTotal;
        int k = 0;
        while (pos + (ends[(head + k) & mask] - starts[(head + k) & mask]) <= from) {
            pos += ends[(head + k) & mask] - starts[(head + k) & mask];
            k++;
        }
        int i = (head + k) & mask;
        int len = ends[i] - starts[i];
        if (pos < from && pos + len > to) { // the cut lies inside one entry: split it in two
            if (size == chunks.length) {
                grow();
                mask = chunks.length - 1;
                i = (head + k) & mask;
            }
            for (int j = size; j > k + 1; j--) { // open slot k + 1
                moveEntry((head + j - 1) & mask, (head + j) & mask);
            }
            int n = (head + k + 1) & mask;
            chunks[n] = chunks[i];
            shared[n] = shared[i];
            starts[n] = starts[i] + (int) (to - pos);
            ends[n] = ends[i];
            ends[i] = starts[i] + (int) (from - pos);
            chunks[i].refs++;
            if (shared[i]) {
                sharedEntries++;
            }
            size++;
            return;
        }
        int write = k;
        if (pos < from) { // keep the entry's head
            ends[i] = starts[i] + (int) (from - pos);
            pos += len;
            k++;
            write = k;
        }
        while (k < size) { // release the entries wholly inside the cut
            i = (head + k) & mask;
            len = ends[i] - starts[i];
            if (pos + len > to) {
                break;
            }
            if (shared[i]) {
                sharedEntries--;
            }
            pool.release(chunks[i]);
            chunks[i] = null;
            pos += len;
            k++;
        }
        if (k < size && pos < to) { // keep the entry's tail
            starts[(head + k) & mask] += (int) (to - pos);
        }
        int removed = k - write;
        if (removed > 0) {
            for (int j = k; j < size; j++) {
                moveEntry((head + j) & mask, (head + j - removed) & mask);
            }
            for (int j = size - removed; j < size; j++) {
                chunks[(head + j) & mask] = null;
            }
            size -= removed;
        }
    }

    private void moveEntry(int from, int to) {
        chunks[to] = chunks[from];
        starts[to] = starts[from];
        ends[to] = ends[from];
        shared[to] = shared[from];
    }

    /** Discards everything queued and releases every chunk. */
    void clear(ChunkPool pool) {
        while (size > 0) {
            pool.release(chunks[head]);
            chunks[head] = null;
            head = (head + 1) & (chunks.length - 1);
            size--;
        }
        consumedTotal += pending;
        pending = 0;
        endCount = 0;
        messageEnds = null;
        endHead = 0;
        recordedStart = appendedTotal;
        sharedEntries = 0;
        if (own != null) {
            pool.release(own);
            own = null;
        }
    }
}
