package io.chatnio.internal;

import java.nio.ByteBuffer;

/**
 * Heap buffers that hold the bytes of a connection's incomplete inbound frame between reads, in power-of-two
 * size classes from 256 bytes up. A connection holds one only while it has such bytes, so idle connections
 * hold none; each class keeps free buffers up to a byte budget, so that many connections cut mid-frame at
 * once (a thousand senders of 1 KiB lines) cycle through the pool instead of allocating.
 *
 * <p><b>Threading.</b> Loop thread only.
 */
final class PartialPool {
    private static final int MIN_SHIFT = 8;
    /** Free buffers per class: {@code stacks[k]} holds buffers of capacity {@code 1 << (k + MIN_SHIFT)}. */
    private final ByteBuffer[][] stacks;
    /** Number of free buffers in each class. */
    private final int[] counts;

    /**
     * @param maxSize          the largest buffer ever asked for
     * @param maxPooledPerClass bytes of free buffers kept per size class (at least 8 buffers, at most 4096)
     */
    PartialPool(int maxSize, int maxPooledPerClass) {
        int classes = shiftFor(maxSize) - MIN_SHIFT + 1;
        stacks = new ByteBuffer[classes][];
        for (int k = 0; k < classes; k++) {
            stacks[k] = new ByteBuffer[Math.min(4096, Math.max(8, maxPooledPerClass >> (k + MIN_SHIFT)))];
        }
        counts = new int[classes];
    }

    private static int shiftFor(int size) {
        int shift = 32 - Integer.numberOfLeadingZeros(Math.max(size, 1 << MIN_SHIFT) - 1);
        return Math.max(shift, MIN_SHIFT);
    }

    /** A cleared buffer of capacity at least {@code size}. */
    ByteBuffer take(int size) {
        int k = shiftFor(size) - MIN_SHIFT;
        if (k < stacks.length && counts[k] > 0) {
            ByteBuffer b = stacks[k][--counts[k]];
            stacks[k][counts[k]] = null;
            return b;
        }
        return ByteBuffer.allocate(1 << (k + MIN_SHIFT));
    }

    /** Returns a buffer obtained from {@link #take}; it must no longer be used by anyone. */
    void release(ByteBuffer b) {
        int k = shiftFor(b.capacity()) - MIN_SHIFT;
        if (k < stacks.length && counts[k] < stacks[k].length) {
            b.clear();
            stacks[k][counts[k]++] = b;
        }
    }
}
