package io.chatnio.internal;

import java.nio.ByteBuffer;

/**
 * A fixed-size direct buffer that holds encoded outbound bytes, pooled by {@link ChunkPool}.
 *
 * <p>Bytes are appended at {@link #writeIndex} with absolute puts and are immutable once appended, which is
 * what lets one chunk be shared by several connections' queues (a fan-out is encoded once). Nobody moves
 * {@link #buf}'s position or limit: writers and copies use absolute indices only. A gathering write needs a
 * position and limit per range, so it uses {@link #view}, a second buffer over the same memory that only
 * the write path ({@link OutboundQueue#gather}) ever positions.
 *
 * <p><b>Threading.</b> Loop thread only; no field is ever touched by another thread.
 */
final class Chunk {
    /** The memory; capacity is the pool's chunk size. Position 0 and limit capacity, always. */
    final ByteBuffer buf;
    /** The same memory, positioned by the write path alone, just before each gathering write. */
    final ByteBuffer view;
    /** Holders: each queue entry, a queue's own-chunk pointer, an encoding. Back to the pool at 0. */
    int refs;
    /** Next free byte; {@code [0, writeIndex)} is written and immutable. */
    int writeIndex;
    /** Id of the last gather array {@link #view} was placed in; a buffer may appear once per array. */
    long gatherEpoch;

    Chunk(int size) {
        this.buf = ByteBuffer.allocateDirect(size);
        this.view = buf.duplicate();
    }

    int room() {
        return buf.capacity() - writeIndex;
    }
}
