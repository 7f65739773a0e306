package io.chatnio.internal;

import io.chatnio.AttributeKey;
import java.util.Arrays;

/**
 * One connection's attributes: values in an array indexed by {@link AttributeKey#index()}, so a lookup is
 * an array access. The array is made on the first value set, so a connection without attributes holds none.
 *
 * <p><b>Threading.</b> Owned by one connection; only called on its loop thread.
 */
final class Attributes {
    /** Values by key index; null until the first is set. */
    private Object[] values;

    @SuppressWarnings("unchecked")
    <T> T get(AttributeKey<T> key) {
        Object[] a = values;
        int i = key.index();
        return a != null && i < a.length ? (T) a[i] : null;
    }

    /** Stores {@code value} ({@code null} removes it); returns the previous one. */
    @SuppressWarnings("unchecked")
    <T> T set(AttributeKey<T> key, T value) {
        int i = key.index();
        if (values == null || i >= values.length) {
            if (value == null) {
                return null;
            }
            values = values == null ? new Object[Math.max(8, i + 1)] : Arrays.copyOf(values, Math.max(values.length * 2, i + 1));
        }
        T previous = (T) values[i];
        values[i] = value;
        return previous;
    }
}
