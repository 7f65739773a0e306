package io.chatnio.internal;

import java.util.Arrays;

/**
 * An open-addressing hash map from primitive {@code long} keys to values, so that hot-path lookups box
 * nothing. Linear probing, backward-shift deletion, load factor at most 2/3: a hit then takes under two
 * probes on average with a good mix, and the two arrays cost 18 to 36 bytes per entry (at 1/2 it would be
 * 24 to 48, a tenth of what an idle connection costs).
 *
 * <p><b>Threading.</b> Not thread-safe; used on the loop thread only.
 */
final class LongMap<V> {
    /** Keys; a slot is free when its value is null. */
    private long[] keys;
    private Object[] values;
    /** Number of live entries. */
    private int size;

    LongMap() {
        keys = new long[16];
        values = new Object[16];
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                return (V) v;
            }
        }
    }

    /** Stores {@code value} (non-null) under {@code key}; returns the previous value or null. */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        if ((size + 1) * 3 > keys.length * 2) {
            rehash(keys.length * 2);
        }
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                keys[i] = key;
                values[i] = value;
                size++;
                return null;
            }
            if (keys[i] == key) {
                values[i] = value;
                return (V) v;
            }
        }
    }

    @SuppressWarnings("unchecked")
    V remove(long key) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        for (; ; i = (i + 1) & mask) {
            if (values[i] == null) {
                return null;
            }
            if (keys[i] == key) {
                break;
            }
        }
        V old = (V) values[i];
        size--;
        // Backward-shift: move later entries of the probe run into the hole so lookups still find them.
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = mix(keys[j]) & mask;
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = null;
        return old;
    }

    int size() {
        return size;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[capacity];
        values = new Object[capacity];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                @SuppressWarnings("unchecked")
                V v = (V) oldValues[i];
                put(oldKeys[i], v);
            }
        }
        Arrays.fill(oldValues, null);
    }
}
