package io.chatnio;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed key for a per-connection attribute ({@link Connection#attr(AttributeKey)}). Keys are meant to be
 * created once, as constants; each gets a small index so that lookups are an array access. Thread-safe.
 *
 * @param <T> the attribute's type
 */
public final class AttributeKey<T> {
    private static final AtomicInteger NEXT_INDEX = new AtomicInteger();

    /** Slot of this key in every connection's attribute array; unique per key. */
    private final int index;
    /** For {@link #toString()} only; names need not be unique. */
    private final String name;

    private AttributeKey(String name) {
        this.name = name;
        this.index = NEXT_INDEX.getAndIncrement();
    }

    /** A new key, distinct from every other key whatever its name. */
    public static <T> AttributeKey<T> newKey(String name) {
        return new AttributeKey<>(name);
    }

    /** The slot of this key; used by connection implementations. */
    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "AttributeKey(" + name + ")";
    }
}
