package io.chatnio.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * Where the {@code '\n'} bytes of the loop's read buffer are: one bit per byte, built for a whole read at once
 * and then searched once per line by {@link LineCodec}'s decoder.
 *
 * <p>Why: a line scan that reads the direct buffer eight bytes at a time ({@link LineCodec#indexOfNewline})
 * is bound by the buffer accessor's per-word checks, about 150 ns per 1 KiB line here, and with 1 KiB lines
 * it was the largest item of the loop's own time. Split in two, each half runs at memory speed: {@link #load}
 * copies the bytes into a {@code long[]} (one bulk copy) and turns each word into its newline bits in a
 * branch-free loop that C2 compiles to vector instructions; {@link #indexOf} finds the first non-zero word
 * with {@link Arrays#mismatch}, which the JDK also vectorizes. Together, loading included, 66 ns per 1 KiB
 * line instead of 146, and 7 ns per 64-byte line instead of 13 ({@code LineScanBenchmark} in benchmarks/,
 * docs/benchmarks.md). The price is 8 bytes of heap per byte of read buffer, once per loop, and every byte
 * read is copied once more. The bytes of a partial frame restored in front of a read are loaded again with
 * it, like the copy that restores them: per read, at most the longest frame. Loading lazily, only what the
 * decoder has not searched yet, would save that for long lines arriving in small pieces, but made every
 * 64-byte line 2 ns slower in {@code LineScanBenchmark} (9.1 vs 7.0 ns): the common case decides.
 *
 * <p>Threading: owned by one event loop; only called on the loop thread. Unsafe for any other use.
 */
final class NewlineIndex {
    /**
     * How many words {@link #indexOf} looks at one by one before it hands the rest to a vectorized search:
     * lines up to about 80 bytes end without the call's fixed cost (64-byte lines took 8 ns each with 10,
     * 15 ns with 4).
     */
    private static final int NEAR_WORDS = 10;
    /** Compared against in {@link Arrays#mismatch} runs of at most this many words; never written. */
    private static final long[] ZEROS = new long[512];

    /** The buffer this index describes: the loop's read buffer. */
    private final ByteBuffer source;
    /** {@code source} read as little-endian words from byte 0: word k is bytes {@code [8k, 8k + 8)}. */
    private final LongBuffer words;
    /**
     * {@code bits[k]}: the high bit of byte b (bit {@code 8b + 7}) is set iff byte {@code 8k + b} of
     * {@code source} was {@code '\n'} at the last {@link #load} that covered it; no other bit is set.
     */
    private final long[] bits;

    /** @param source a buffer whose capacity is a multiple of 8 */
    NewlineIndex(ByteBuffer source) {
        if ((source.capacity() & 7) != 0) {
            throw new IllegalArgumentException("capacity must be a multiple of 8: " + source.capacity());
        }
        this.source = source;
        this.words = source.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        this.bits = new long[source.capacity() >>> 3];
    }

    /** Whether this index describes {@code b}. */
    boolean describes(ByteBuffer b) {
        return b == source;
    }

    /**
     * Indexes {@code source[from, to)} as it is now. Must be called after those bytes change and before
     * {@link #indexOf} looks at them. Only called on the loop thread.
     */
    void load(int from, int to) {
        if (from >= to) {
            return;
        }
        int k = from >>> 3;
        int end = (to + 7) >>> 3;
        long[] b = bits;
        words.get(k, b, k, end - k);
        for (int j = k; j < end; j++) { // branch-free, so C2 vectorizes it
            b[j] = LineCodec.newlineBits(b[j]);
        }
    }

    /**
     * The index of the first {@code '\n'} in {@code source[from, to)}, or -1. The range must have been
     * {@link #load loaded} since its bytes last changed. Only called on the loop thread.
     */
    int indexOf(int from, int to) {
        if (from >= to) {
            return -1;
        }
        long[] b = bits;
        int k = from >>> 3;
        int last = (to - 1) >>> 3; // the word holding the range's last byte
        long w = b[k] & (-1L << ((from & 7) << 3)); // only bytes at or after `from`
        int near = Math.min(last, k + NEAR_WORDS);
        while (w == 0 && k < near) {
            w = b[++k];
        }
        if (w == 0 && k < last) {
            k = firstNonZero(b, k + 1, last);
            w = b[k];
        }
        if (k == last && (to & 7) != 0) {
            w &= (1L << ((to & 7) << 3)) - 1; // only bytes before `to`
        }
        return w == 0 ? -1 : (k << 3) + (Long.numberOfTrailingZeros(w) >>> 3);
    }

    /** The first k in {@code [from, last)} with {@code b[k] != 0}, else {@code last}. */
    private static int firstNonZero(long[] b, int from, int last) {
        int k = from;
        while (k < last) {
            int n = Math.min(ZEROS.length, last - k);
            int r = Arrays.mismatch(b, k, k + n, ZEROS, 0, n);
            if (r >= 0) {
                return k + r;
            }
            k += n;
        }
        return last;
    }
}
