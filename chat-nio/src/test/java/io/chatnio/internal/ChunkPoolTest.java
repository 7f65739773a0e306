package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ChunkPool} and {@link Chunk} reference counting against a model that keeps, per chunk, its reference
 * count, plus the set of free chunks the pool must hold. Seeded random runs take chunks, add holders the way
 * the outbound queue does ({@code refs++}), append bytes, release, and release once too often; the pool's
 * counters and every live chunk are checked after every step. A failure names its seed and step.
 */
class ChunkPoolTest {
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181,
        0x5EEDL, 0xC0FFEE_BABEL})
    void agreesWithRefCountModel(long seed) {
        Random r = new Random(seed);
        int chunkSize = 64 << r.nextInt(4);
        int maxPooled = r.nextInt(12); // 0 included: a pool that keeps nothing
        ChunkPool pool = new ChunkPool(chunkSize, maxPooled);
        Map<Chunk, Integer> refs = new IdentityHashMap<>(); // model: live chunks and their counts
        List<Chunk> live = new ArrayList<>(); // the same chunks, for picking at random
        Set<Chunk> free = Collections.newSetFromMap(new IdentityHashMap<>()); // model of the pool's stack
        Set<Chunk> seen = Collections.newSetFromMap(new IdentityHashMap<>()); // every chunk ever handed out
        List<Chunk> released = new ArrayList<>(); // chunks whose last reference is gone, pooled or dropped
        long created = 0;
        for (int step = 0; step < 3000; step++) {
            String where = "seed " + seed + ", step " + step;
            // phases of 150 steps alternately fill up (more live chunks than the pool keeps) and drain
            boolean filling = step / 150 % 2 == 0;
            int op = live.isEmpty() ? 0 : r.nextInt(100);
            // cumulative odds of take, add a holder, append, release; the rest is a release too many
            int[] odds = filling ? new int[] {40, 55, 70, 96} : new int[] {10, 20, 30, 96};
            if (op < odds[0]) {
                int freeBefore = pool.freeCount();
                Chunk c = pool.take();
                // handing out a referenced chunk would let two writers share bytes they both think are theirs
                assertThat(refs.containsKey(c)).as("%s: take() returned a chunk still referenced", where).isFalse();
                assertThat(c.refs).as("%s: refs of a taken chunk", where).isEqualTo(1);
                assertThat(c.writeIndex).as("%s: writeIndex of a taken chunk", where).isZero();
                assertThat(c.buf.capacity()).as("%s: chunk size", where).isEqualTo(chunkSize);
                if (!free.isEmpty()) {
                    // a non-empty pool must reuse, or steady traffic allocates direct memory
                    assertThat(free.remove(c)).as("%s: take() with %d free did not reuse one", where, free.size())
                        .isTrue();
                    assertThat(pool.freeCount()).as("%s: freeCount after reuse", where).isEqualTo(freeBefore - 1);
                } else {
                    assertThat(seen.contains(c)).as("%s: an empty pool must create a new chunk", where).isFalse();
                    created++;
                }
                seen.add(c);
                refs.put(c, 1);
                live.add(c);
            } else if (op < odds[1]) {
                // another holder (queue entry, tail pointer): one more release needed before reuse
                Chunk c = live.get(r.nextInt(live.size()));
                c.refs++;
                refs.merge(c, 1, Integer::sum);
            } else if (op < odds[2]) {
                // append bytes: the next taker must start at 0 again, not after this one's data
                Chunk c = live.get(r.nextInt(live.size()));
                c.writeIndex += r.nextInt(c.room() + 1);
            } else if (op < odds[3] || released.isEmpty()) {
                int i = r.nextInt(live.size());
                Chunk c = live.get(i);
                pool.release(c);
                int left = refs.merge(c, -1, Integer::sum);
                assertThat(c.refs).as("%s: refs after release", where).isEqualTo(left);
                if (left == 0) {
                    refs.remove(c);
                    live.set(i, live.get(live.size() - 1));
                    live.remove(live.size() - 1);
                    released.add(c);
                    if (free.size() < maxPooled) {
                        free.add(c); // the last reference returns it to the pool, while the pool has room
                    }
                }
            } else {
                // a release with no reference left is a holder bug; it must fail loudly, not pool a chunk
                // twice (two later takers would then share it)
                Chunk c = released.get(r.nextInt(released.size()));
                if (!refs.containsKey(c)) {
                    int freeBefore = pool.freeCount();
                    assertThatExceptionOfType(IllegalStateException.class)
                        .as("%s: release of an unreferenced chunk", where).isThrownBy(() -> pool.release(c));
                    assertThat(pool.freeCount()).as("%s: freeCount after a failed release", where)
                        .isEqualTo(freeBefore);
                }
            }
            check(pool, refs, free, created, maxPooled, where);
        }
    }

    private static void check(ChunkPool pool, Map<Chunk, Integer> refs, Set<Chunk> free, long created,
        int maxPooled, String where) {
        assertThat(pool.freeCount()).as("%s: freeCount", where).isEqualTo(free.size()).isLessThanOrEqualTo(maxPooled);
        // created only grows on a take from an empty pool: counting it anywhere else hides leaks in the stats
        assertThat(pool.createdCount()).as("%s: createdCount", where).isEqualTo(created);
        for (Map.Entry<Chunk, Integer> e : refs.entrySet()) {
            if (e.getKey().refs != e.getValue()) {
                assertThat(e.getKey().refs).as("%s: refs of a live chunk", where).isEqualTo(e.getValue());
            }
        }
    }
}
