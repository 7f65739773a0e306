package io.chatnio.examples.irc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A nick or channel name folded by the server's casemapping, {@code CASEMAPPING=ascii}: {@code A-Z} are the
 * upper-case forms of {@code a-z} and nothing else folds (the Modern document advises against
 * {@code rfc1459}, whose extra pairs {@code []\~} / <code>{}|^</code> are a source of ambiguity). Two names are
 * the same nick or channel exactly when their keys are equal.
 *
 * <p>A key made by {@link #of} is immutable and may be stored in a map. A {@link #probe()} is a mutable key for
 * looking a name up straight from an inbound buffer without allocating: it must never be stored.
 *
 * <p><b>Threading.</b> Immutable keys: any thread. A probe: the one thread that owns it (the loop).
 */
final class Key {
    /** The folded bytes are {@code bytes[0, length)}. */
    private byte[] bytes;
    private int length;
    /** Hash of the folded bytes; kept in step with them. */
    private int hash;

    private Key(byte[] bytes, int length) {
        this.bytes = bytes;
        this.length = length;
        rehash();
    }

    /** The key of {@code name} (UTF-8; only ASCII letters fold). */
    static Key of(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            b[i] = fold(b[i]);
        }
        return new Key(b, b.length);
    }

    /** A reusable key for lookups; see {@link #set}. */
    static Key probe() {
        return new Key(new byte[64], 0);
    }

    /** Makes this probe the key of the bytes {@code src[from, to)}; returns this. Allocates only to grow. */
    Key set(ByteBuffer src, int from, int to) {
        int n = to - from;
        if (n > bytes.length) {
            bytes = new byte[Math.max(n, bytes.length * 2)];
        }
        for (int i = 0; i < n; i++) {
            bytes[i] = fold(src.get(from + i));
        }
        length = n;
        rehash();
        return this;
    }

    /** The folded form of one byte. */
    static byte fold(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    private void rehash() {
        int h = 1;
        for (int i = 0; i < length; i++) {
            h = 31 * h + bytes[i];
        }
        hash = h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && k.hash == hash && Arrays.equals(bytes, 0, length, k.bytes, 0, k.length);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
