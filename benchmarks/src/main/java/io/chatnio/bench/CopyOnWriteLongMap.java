package io.chatnio.bench;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A map from primitive {@code long} keys to values for many reader threads and rare writers: a lookup is one
 * volatile read and a linear probe of an open-addressing table, with no lock, no boxing and no allocation;
 * every write builds a new table and publishes it. Writes cost O(capacity), which suits a routing table that
 * changes only when a connection opens or closes; it would not suit frequent churn.
 *
 * <p>Threading: {@link #get} and {@link #size} from any thread, lock-free; {@link #put} and {@link #remove}
 * from any thread, serialised by a {@link ReentrantLock} (not {@code synchronized}, so a virtual thread never
 * pins its carrier here). A reader sees either the table before a write or the one after it.
 *
 * @param <V> the value type; values are never null
 */
final class CopyOnWriteLongMap<V> {

    /** One immutable snapshot; slot {@code i} is empty when {@code values[i] == null}. */
    private static final class Table {
        /** Keys by slot; meaningful only where the value is non-null. */
        final long[] keys;
        /** Values by slot, null for an empty slot; at most half the slots are used, so a probe always ends. */
        final Object[] values;
        /** {@code 64 - log2(capacity)}: the home slot of a key is its Fibonacci hash shifted right by this. */
        final int shift;
        /** Non-null values. */
        final int size;

        Table(int capacity, int size) {
            this.keys = new long[capacity];
            this.values = new Object[capacity];
            this.shift = 64 - Integer.numberOfTrailingZeros(capacity);
            this.size = size;
        }

        int home(long key) {
            return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> shift);
        }

        /** Puts into a table known to have room and not to hold {@code key}; building a new table only. */
        void insert(long key, Object value) {
            int mask = values.length - 1;
            int i = home(key);
            while (values[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = value;
        }
    }

    private static final int MIN_CAPACITY = 16;

    /** Serialises writers; readers never take it. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** The current snapshot, never modified after publication; replaced by writers under {@link #writeLock}. */
    private volatile Table table = new Table(MIN_CAPACITY, 0);

    /** The value for {@code key}, or null. Any thread; lock-free and allocation-free. */
    @SuppressWarnings("unchecked")
    V get(long key) {
        Table t = table;
        long[] keys = t.keys;
        Object[] values = t.values;
        int mask = values.length - 1;
        for (int i = t.home(key); ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null || keys[i] == key) {
                return (V) v;
            }
        }
    }

    /** Entries in the current snapshot. Any thread. */
    int size() {
        return table.size;
    }

    /** Maps {@code key} to {@code value}, replacing any previous value. Any thread; O(capacity). */
    void put(long key, V value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        writeLock.lock();
        try {
            Table old = table;
            boolean present = get(key) != null; // then the copy leaves the old entry out: replaced
            Table next = copy(old, present ? old.size : old.size + 1, key, present);
            next.insert(key, value);
            table = next;
        } finally {
            writeLock.unlock();
        }
    }

    /** Removes {@code key} if it is mapped to {@code value} (by identity); returns whether it was. Any thread. */
    boolean remove(long key, V value) {
        writeLock.lock();
        try {
            Table old = table;
            if (get(key) != value || value == null) {
                return false;
            }
            table = copy(old, old.size - 1, key, true);
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * A new table with room for {@code size} entries (at most half full), holding every entry of {@code old}
     * except the one for {@code skip} when {@code skipping}.
     */
    private static Table copy(Table old, int size, long skip, boolean skipping) {
        int capacity = MIN_CAPACITY;
        while (capacity < 2 * size) {
            capacity <<= 1;
        }
        Table next = new Table(capacity, size);
        for (int i = 0; i < old.values.length; i++) {
            Object v = old.values[i];
            if (v != null && !(skipping && old.keys[i] == skip)) {
                next.insert(old.keys[i], v);
            }
        }
        return next;
    }
}
