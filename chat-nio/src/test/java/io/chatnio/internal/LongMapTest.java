package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LongMap} against a {@link HashMap} model: seeded random put/get/remove runs that grow the map through
 * several rehashes, shrink it to empty, grow it again from the same keys and shrink it again. After every
 * step the size and the lookup of every key of the run agree with the model, so an entry lost or orphaned by
 * a backward shift is caught at the step that lost it. A failure names its seed, phase and step.
 */
class LongMapTest {
    /** One value object per put, compared by identity so a stale or swapped value cannot pass as equal. */
    private record Val(long key, int serial) {}

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181,
        0x5EEDL, 0xC0FFEE_BABEL})
    void agreesWithHashMapAfterEveryStep(long seed) {
        Random r = new Random(seed);
        long[] keys = keyPool(r);
        Long[] boxed = Arrays.stream(keys).boxed().toArray(Long[]::new); // boxed once: the sweep runs every step
        LongMap<Val> map = new LongMap<>();
        Map<Long, Val> model = new HashMap<>();
        int serial = 0;
        // grow near the whole pool (180 entries: tables 16 .. 512), empty it, regrow part way, empty again
        int[] targets = {keys.length * 9 / 10, 0, keys.length / 3 + r.nextInt(keys.length / 2), 0};
        for (int phase = 0; phase < targets.length; phase++) {
            boolean growing = targets[phase] > 0;
            for (int step = 0; growing ? model.size() < targets[phase] : !model.isEmpty(); step++) {
                String where = "seed " + seed + ", phase " + phase + ", step " + step;
                assertThat(step).as("%s: phase did not converge", where).isLessThan(20_000);
                int op = r.nextInt(100);
                // half the time aim at a key whose state the op changes, so the run converges in both phases
                boolean wantPresent = op < 50 != growing;
                long key = r.nextBoolean() ? pick(r, keys, model, wantPresent) : keys[r.nextInt(keys.length)];
                if (op < (growing ? 65 : 15)) {
                    Val v = new Val(key, serial++);
                    Val before = model.put(key, v);
                    assertThat(map.put(key, v)).as("%s: put(%d) returns the previous value", where, key)
                        .isSameAs(before);
                } else if (op < 80) {
                    Val before = model.remove(key);
                    assertThat(map.remove(key)).as("%s: remove(%d) returns the removed value", where, key)
                        .isSameAs(before);
                } else {
                    // a key never used: lookups of absent keys must stop at the end of their probe run
                    long stranger = r.nextLong();
                    if (!model.containsKey(stranger) && map.get(stranger) != null) {
                        fail("%s: get(%d) of an absent key found a value", where, stranger);
                    }
                }
                checkAll(map, model, boxed, where);
            }
        }
        assertThat(map.size()).as("seed %d: emptied", seed).isZero();
    }

    /** Size and every lookup; plain comparisons because this runs ~300 lookups per step. */
    private static void checkAll(LongMap<Val> map, Map<Long, Val> model, Long[] keys, String where) {
        if (map.size() != model.size()) {
            fail("%s: size %d, model %d", where, map.size(), model.size());
        }
        for (Long k : keys) {
            Val got = map.get(k);
            Val want = model.get(k);
            if (got != want) {
                fail("%s: get(%d) = %s, model %s", where, k, got, want);
            }
        }
    }

    /** A key that is (or is not) in the model, or any key when none qualifies soon. */
    private static long pick(Random r, long[] keys, Map<Long, Val> model, boolean present) {
        for (int tries = 0; tries < 4 * keys.length; tries++) {
            long k = keys[r.nextInt(keys.length)];
            if (model.containsKey(k) == present) {
                return k;
            }
        }
        return keys[r.nextInt(keys.length)];
    }

    /**
     * Edge values (0 is the default of an empty long[] slot, so a map that marks free slots by key would
     * confuse it), a dense small range, keys differing only in high bits (a hash that drops them collides
     * them all), random keys, and three clusters whose hash has the same low 10 bits: each cluster shares
     * one home slot in every table up to 1024, forming long probe runs for backward-shift deletion; the
     * cluster homed at the last slot makes its run wrap around the end of the table.
     */
    private static long[] keyPool(Random r) {
        Set<Long> pool = new LinkedHashSet<>();
        for (long k : new long[] {0, 1, -1, 2, -2, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1,
            Long.MAX_VALUE - 1, 0x8000_0000L, 0xFFFF_FFFFL, 1L << 32, -(1L << 32)}) {
            pool.add(k);
        }
        for (long k = -16; k <= 16; k++) {
            pool.add(k);
        }
        for (long i = 1; i <= 8; i++) {
            pool.add(i << 32);
            pool.add(i << 48);
            pool.add(i << 58);
            pool.add(-i << 40);
        }
        for (int home : new int[] {1023, 0, r.nextInt(1024)}) {
            for (int n = 0; n < 24; ) {
                long k = r.nextLong();
                if ((mix(k) & 1023) == home && pool.add(k)) {
                    n++;
                }
            }
        }
        while (pool.size() < 200) {
            pool.add(r.nextLong());
        }
        return pool.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * A copy of LongMap's hash at the time of writing, used only to choose colliding keys. Should the map's
     * hash change, these stay valid (if less colliding) keys and every check still holds.
     */
    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
