package io.chatnio.internal;

import java.nio.ByteBuffer;

/**
 * A fixed-size direct buffer that holds encoded outbound bytes, pooled by {@link ChunkPool}.
 *
 * <p>Bytes are appended at {@link #writeIndex} with absolute puts and are immutable once appended, which is
 * what lets one chunk be shared by several connections' queues (a fan-out is encoded once). The buffer's own
 * position and limit carry no state between calls: a gathering write sets them just before it writes.
 *
 * <p><b>Threading.</b> Loop thread only; no field is ever touched by another thread.
 */
final class Chunk {
    /** The memory; capacity is the pool's chunk size. Big-endian, never reallocated. */
    final ByteBuffer buf;
    /** Holders: each queue entry, a queue's tail pointer, a writer. Back to the pool when it reaches 0. */
    int refs;
    /** Next free byte; {@code [0, writeIndex)} is written and immutable. */
    int writeIndex;
    /** Id of the last gather array this chunk's buffer was placed in; a buffer may appear once per array. */
    long gatherEpoch;

    Chunk(int size) {
        this.buf = ByteBuffer.allocateDirect(size);
    }

    int room() {
        return buf.capacity() - writeIndex;
    }
}
