package io.chatnio.internal;

/**
 * A stack of free {@link Chunk}s for one loop. Chunks leave it with one reference and return when their last
 * reference is released; at most {@code maxPooled} free chunks are kept, the rest are left to the garbage
 * collector. Steady-state traffic therefore allocates no buffers.
 *
 * <p><b>Threading.</b> Loop thread only.
 */
final class ChunkPool {
    /** Size in bytes of every chunk. */
    final int chunkSize;
    /** Free chunks in {@code [0, free)}, each with {@code refs == 0}. */
    private final Chunk[] stack;
    /** Number of free chunks on the stack. */
    private int free;
    /** Chunks created since start, for stats and tests. */
    private long created;

    ChunkPool(int chunkSize, int maxPooled) {
        this.chunkSize = chunkSize;
        this.stack = new Chunk[maxPooled];
    }

    /** A chunk with {@code refs == 1} and {@code writeIndex == 0}. */
    Chunk take() {
        Chunk c;
        if (free > 0) {
            c = stack[--free];
            stack[free] = null;
        } else {
            c = new Chunk(chunkSize);
            created++;
        }
        c.refs = 1;
        return c;
    }

    /** Drops one reference; the last one returns the chunk to the pool. */
    void release(Chunk c) {
        if (--c.refs == 0) {
            c.writeIndex = 0;
            if (free < stack.length) {
                stack[free++] = c;
            }
        } else if (c.refs < 0) {
            throw new IllegalStateException("chunk released too often");
        }
    }

    int freeCount() {
        return free;
    }

    long createdCount() {
        return created;
    }
}
