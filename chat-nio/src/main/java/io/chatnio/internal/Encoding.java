package io.chatnio.internal;

import io.chatnio.FrameCodec;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One message framed by one codec, in place in pooled chunks: the codec's header slot, the payload, the
 * trailer. The chunks' bytes are written with absolute puts only; a chunk's buffer position and limit are
 * never moved, so chunks can be shared with other queues while this encoding appends after their ranges.
 *
 * <p>The encoding holds one reference to each chunk it wrote into ({@link #held}); queues take their own
 * when the message is queued, and the encoding's are released when the message ends.
 *
 * <p><b>Threading.</b> Owned by one {@link Writer}; loop thread only.
 */
final class Encoding {
    /** The framing; set per message for a direct message, fixed for a fan-out encoding. */
    FrameCodec codec;
    int headerLength;
    byte[] trailer;
    /** Chunks written into by this message, each with one reference held here; {@code [0, heldCount)}. */
    private Chunk[] held = new Chunk[8];
    private int heldCount;
    /** Where this message starts in {@code held[0]}: its header slot. */
    private int firstStart;
    /** Whether the trailer is appended and the header filled: the bytes are final. */
    boolean sealed;
    /** Fan-out only: the chunk the next message continues in, with one reference held here; or null. */
    Chunk arena;
    /** Fan-out only: the number of the fan-out message this encoding holds, to tell whether it is current. */
    long seq = -1;

    void setCodec(FrameCodec codec) {
        if (this.codec != codec) {
            this.codec = codec;
            this.headerLength = codec.headerLength();
            this.trailer = codec.trailer();
        }
    }

    /** Starts a message in {@code first} (held by this encoding from now on), at its write index. */
    void start(Chunk first) {
        held[0] = first;
        heldCount = 1;
        firstStart = first.writeIndex;
        first.writeIndex += headerLength;
        sealed = false;
    }

    /** Starts a message in the arena chunk, or in a new chunk if it has too little room. */
    void startInArena(ChunkPool pool) {
        Chunk first = arena;
        arena = null;
        if (first == null || first.room() < headerLength + 1) {
            if (first != null) {
                pool.release(first);
            }
            first = pool.take();
        }
        start(first);
    }

    /** The first chunk of the message. */
    Chunk first() {
        return held[0];
    }

    int firstStart() {
        return firstStart;
    }

    /** The chunk to write the next byte to, taking a new one when the last is full. */
    private Chunk tail(ChunkPool pool) {
        Chunk c = held[heldCount - 1];
        if (c.room() == 0) {
            c = pool.take();
            if (heldCount == held.length) {
                held = Arrays.copyOf(held, heldCount * 2);
            }
            held[heldCount++] = c;
        }
        return c;
    }

    void put(ByteBuffer src, int from, int length, ChunkPool pool) {
        while (length > 0) {
            Chunk c = tail(pool);
            int n = Math.min(c.room(), length);
            c.buf.put(c.writeIndex, src, from, n);
            c.writeIndex += n;
            from += n;
            length -= n;
        }
    }

    void put(byte[] src, int offset, int length, ChunkPool pool) {
        while (length > 0) {
            Chunk c = tail(pool);
            int n = Math.min(c.room(), length);
            c.buf.put(c.writeIndex, src, offset, n);
            c.writeIndex += n;
            offset += n;
            length -= n;
        }
    }

    void put(byte b, ChunkPool pool) {
        Chunk c = tail(pool);
        c.buf.put(c.writeIndex++, b);
    }

    /** Appends the trailer and fills the header for a payload of {@code length} bytes: the bytes are final. */
    void seal(int length, ChunkPool pool) {
        if (trailer.length > 0) {
            put(trailer, 0, trailer.length, pool);
        }
        if (headerLength > 0) {
            codec.writeHeader(held[0].buf, firstStart, length);
        }
        sealed = true;
    }

    /** Bytes of the sealed message on the wire. */
    int encodedLength(int payloadLength) {
        return headerLength + payloadLength + trailer.length;
    }

    /** Appends a copy of {@code src}'s payload ({@code length} bytes after its header) to this message. */
    void putPayloadOf(Encoding src, int length, ChunkPool pool) {
        int skip = src.headerLength;
        for (int k = 0; k < src.heldCount && length > 0; k++) {
            Chunk c = src.held[k];
            int from = k == 0 ? src.firstStart : 0;
            int available = c.writeIndex - from;
            if (skip >= available) {
                skip -= available;
                continue;
            }
            from += skip;
            skip = 0;
            int n = Math.min(length, c.writeIndex - from);
            put(c.buf, from, n, pool);
            length -= n;
        }
    }

    /** Appends this message's ranges to {@code q}, shared with other queues if {@code shared}. */
    void appendTo(OutboundQueue q, boolean shared) {
        q.append(held[0], firstStart, held[0].writeIndex, shared);
        for (int k = 1; k < heldCount; k++) {
            q.append(held[k], 0, held[k].writeIndex, shared);
        }
    }

    /** Appends a private copy of this message's bytes to {@code q}. */
    void copyTo(OutboundQueue q, ChunkPool pool) {
        q.appendCopy(held[0].buf, firstStart, held[0].writeIndex, pool);
        for (int k = 1; k < heldCount; k++) {
            q.appendCopy(held[k].buf, 0, held[k].writeIndex, pool);
        }
    }

    /**
     * Direct message queued: its last chunk passes to {@code q} as the queue's own chunk, unless a send that
     * interleaved with this message already gave the queue one; the rest are released.
     */
    void handOver(OutboundQueue q, ChunkPool pool) {
        if (q.own == null) {
            q.own = held[--heldCount]; // this encoding's reference passes to the queue
            held[heldCount] = null;
        }
        releaseHeld(pool);
    }

    /** Undoes an unsent direct message: its first chunk goes back to {@code q} as it was, if {@code q} wants it. */
    void rollBack(OutboundQueue q, boolean queueOpen, ChunkPool pool) {
        Chunk first = held[0];
        first.writeIndex = firstStart; // bytes from firstStart on belonged to this message only
        if (q != null && q.own == null && queueOpen) {
            q.own = first; // this encoding's reference passes back to the queue
            held[0] = held[--heldCount];
            held[heldCount] = null;
        }
        releaseHeld(pool);
    }

    /** Ends a fan-out message: the last chunk stays as the arena for the next one; the rest are released. */
    void finishFanout(ChunkPool pool) {
        Chunk last = held[--heldCount];
        held[heldCount] = null;
        if (!sealed) { // nothing was sent: reclaim the space too
            if (heldCount == 0) {
                last.writeIndex = firstStart;
            } else {
                last.writeIndex = 0;
                held[0].writeIndex = firstStart;
            }
        }
        arena = last;
        releaseHeld(pool);
    }

    private void releaseHeld(ChunkPool pool) {
        for (int k = 0; k < heldCount; k++) {
            pool.release(held[k]);
            held[k] = null;
        }
        heldCount = 0;
    }

    /** Releases the arena; called when the writer is closed or the encoding is evicted. */
    void releaseArena(ChunkPool pool) {
        if (arena != null) {
            pool.release(arena);
            arena = null;
        }
    }
}
