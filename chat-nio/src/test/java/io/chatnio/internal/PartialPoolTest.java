package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PartialPool} against a model of its size classes: per class, the set of free buffers it must hold,
 * bounded by the class budget (the budget in bytes over the class size, at least 8 and at most 4096 buffers).
 * Seeded random runs take buffers of random sizes, scribble on them and release them; every take is checked
 * against the model. Buffers are compared by identity. A failure names its seed and step.
 */
class PartialPoolTest {
    private static final int MIN = 256;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181,
        0x5EEDL, 0xC0FFEE_BABEL})
    void agreesWithSizeClassModel(long seed) {
        Random r = new Random(seed);
        int maxSize = r.nextInt(4) == 0 ? MIN : 1 + r.nextInt(1 << (9 + r.nextInt(8))); // up to 64 KiB
        int budget = new int[] {0, 2048, 4096, 16 << 10, 1 << 20}[r.nextInt(5)];
        PartialPool pool = new PartialPool(maxSize, budget);
        int classes = classOf(maxSize) + 1;
        List<Set<ByteBuffer>> free = new ArrayList<>(); // model: free buffers per class
        for (int k = 0; k < classes; k++) {
            free.add(Collections.newSetFromMap(new IdentityHashMap<>()));
        }
        Set<ByteBuffer> taken = Collections.newSetFromMap(new IdentityHashMap<>());
        List<ByteBuffer> takenList = new ArrayList<>(); // the same buffers, for picking at random
        Set<ByteBuffer> seen = Collections.newSetFromMap(new IdentityHashMap<>()); // every buffer handed out
        // two hot classes get most takes, so their free sets reach the budget and must drop the excess
        int hotA = r.nextInt(classes);
        int hotB = r.nextInt(classes);
        for (int step = 0; step < 4000; step++) {
            String where = "seed " + seed + " (maxSize " + maxSize + ", budget " + budget + "), step " + step;
            // phases of 250 steps alternately hold many buffers and hand them back
            boolean filling = step / 250 % 2 == 0;
            if (takenList.isEmpty() || r.nextInt(100) < (filling ? 70 : 25)) {
                int size = size(r, maxSize, r.nextInt(10) < 8 ? (r.nextBoolean() ? hotA : hotB) : r.nextInt(classes));
                int k = classOf(size);
                ByteBuffer b = pool.take(size);
                // the frame's bytes must fit, and the capacity must be the size class the budget is kept for
                assertThat(b.capacity()).as("%s: capacity for take(%d)", where, size)
                    .isGreaterThanOrEqualTo(size).isEqualTo(MIN << k);
                // a buffer with a stale position or limit would drop or misplace the bytes read into it
                assertThat(b.position()).as("%s: position of a taken buffer", where).isZero();
                assertThat(b.limit()).as("%s: limit of a taken buffer", where).isEqualTo(b.capacity());
                assertThat(b.hasArray() && !b.isDirect() && !b.isReadOnly()).as("%s: writable heap buffer", where)
                    .isTrue();
                // two connections sharing one buffer would corrupt each other's partial frames
                // (identity sets and booleans: ByteBuffer.equals compares contents, so AssertJ's contains can't)
                assertThat(taken.contains(b)).as("%s: take(%d) returned a buffer still taken", where, size).isFalse();
                if (!free.get(k).isEmpty()) {
                    // reuse is the point of the pool: a thousand cut frames must not allocate a thousand buffers
                    assertThat(free.get(k).remove(b))
                        .as("%s: take(%d) did not reuse one of %d free buffers of its class", where, size,
                            free.get(k).size())
                        .isTrue();
                } else {
                    assertThat(seen.contains(b)).as("%s: take(%d) from an empty class must allocate", where, size)
                        .isFalse();
                }
                taken.add(b);
                takenList.add(b);
                seen.add(b);
            } else {
                int i = r.nextInt(takenList.size());
                ByteBuffer b = takenList.get(i);
                takenList.set(i, takenList.get(takenList.size() - 1));
                takenList.remove(takenList.size() - 1);
                taken.remove(b);
                scribble(r, b);
                pool.release(b);
                int k = classOf(b.capacity());
                if (free.get(k).size() < perClass(budget, k)) {
                    free.get(k).add(b); // kept up to the class budget; beyond it left to the collector
                }
            }
        }
    }

    /** Leaves a buffer as a connection might: some bytes written, position and limit anywhere, a mark set. */
    private static void scribble(Random r, ByteBuffer b) {
        int n = r.nextInt(Math.min(b.capacity(), 64) + 1);
        for (int j = 0; j < n; j++) {
            b.put(j, (byte) r.nextInt());
        }
        b.limit(r.nextInt(b.capacity() + 1));
        b.position(r.nextInt(b.limit() + 1));
        if (r.nextBoolean()) {
            b.mark();
        }
    }

    /** A size in class {@code k}, often at its edges (exact powers of two and one past the class below). */
    private static int size(Random r, int maxSize, int k) {
        int hi = Math.min(MIN << k, maxSize);
        int lo = k == 0 ? 1 : (MIN << (k - 1)) + 1;
        return switch (r.nextInt(4)) {
            case 0 -> hi;
            case 1 -> lo;
            default -> lo + r.nextInt(hi - lo + 1);
        };
    }

    /** Index of the smallest power-of-two class, from 256 bytes, that holds {@code size} bytes. */
    private static int classOf(int size) {
        int k = 0;
        while (MIN << k < size) {
            k++;
        }
        return k;
    }

    /** Free buffers a class keeps, as the constructor documents it. */
    private static int perClass(int budgetBytes, int k) {
        return Math.min(4096, Math.max(8, budgetBytes / (MIN << k)));
    }
}
