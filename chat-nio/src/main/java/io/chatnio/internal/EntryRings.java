package io.chatnio.internal;

/**
 * Free entry arrays for {@link OutboundQueue}s, of the queues' initial capacity. A queue takes a set when
 * it gets its first entry and gives it back once drained, so an idle connection holds none (about 170 bytes
 * each, a seventh of what an idle connection costs), while a busy one cycles through this pool instead of
 * allocating. A queue that grew past the initial capacity drops its larger arrays when drained.
 *
 * <p><b>Threading.</b> Loop thread only.
 */
final class EntryRings {
    /** Entries per set; a power of two. */
    static final int CAPACITY = 8;

    /** The arrays of one queue's entry ring, all of the same length. */
    static final class Ring {
        final Chunk[] chunks;
        final int[] starts;
        final int[] ends;
        final boolean[] shared;

        Ring(int capacity) {
            chunks = new Chunk[capacity];
            starts = new int[capacity];
            ends = new int[capacity];
            shared = new boolean[capacity];
        }
    }

    /** Free sets in {@code [0, count)}; their chunk slots are all null. */
    private final Ring[] free;
    private int count;

    /** @param maxFree most free sets kept; beyond it, given-back sets are left to the collector */
    EntryRings(int maxFree) {
        free = new Ring[maxFree];
    }

    /** A set of {@link #CAPACITY} entries, all chunk slots null. */
    Ring take() {
        if (count > 0) {
            Ring r = free[--count];
            free[count] = null;
            return r;
        }
        return new Ring(CAPACITY);
    }

    /** Free sets held now. */
    int freeCount() {
        return count;
    }

    /** Takes back a set from {@link #take} whose chunk slots its user has nulled; larger sets are dropped. */
    void release(Ring r) {
        if (r.chunks.length == CAPACITY && count < free.length) {
            free[count++] = r;
        }
    }
}
