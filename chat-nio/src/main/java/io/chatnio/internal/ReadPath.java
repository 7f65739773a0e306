package io.chatnio.internal;

import io.chatnio.FrameDecoder;
import java.nio.ByteBuffer;

/**
 * The reactor's line-finding step, opened to the microbenchmarks: the loop's {@link NewlineIndex} of a read
 * buffer, and the direct eight-bytes-at-a-time scan that a decoder uses on any other buffer. Public only so
 * that the benchmarks module (on the class path) can measure the package-private code it wraps; the module
 * descriptor does not export this package, so it is no API, and nothing in the library calls it. Kept here,
 * not in the benchmarks, so that no other artifact puts classes in this package.
 *
 * <p>Threading: confined to the thread that made it, as the index is to its loop.
 */
public final class ReadPath {
    private final NewlineIndex index;

    /** @param readBuffer a buffer whose capacity is a multiple of 8, as the loop's read buffer is */
    public ReadPath(ByteBuffer readBuffer) {
        this.index = new NewlineIndex(readBuffer);
    }

    /**
     * Makes {@code decoder}, if it is the built-in line decoder, find line ends through this index when it
     * decodes the read buffer, as the loop's decoders do. Returns whether it is one.
     */
    public boolean attach(FrameDecoder decoder) {
        if (decoder instanceof LineCodec.Decoder) {
            ((LineCodec.Decoder) decoder).useIndex(index);
            return true;
        }
        return false;
    }

    /** What the loop does before it decodes the bytes of a read: {@link NewlineIndex#load}. */
    public void load(int from, int to) {
        index.load(from, to);
    }

    /** {@link NewlineIndex#indexOf}: the first {@code '\n'} in {@code [from, to)} of the read buffer, or -1. */
    public int indexOf(int from, int to) {
        return index.indexOf(from, to);
    }

    /** The direct scan, {@link LineCodec#indexOfNewline}: the first {@code '\n'} in {@code b[from, to)}, or -1. */
    public static int scanWords(ByteBuffer b, int from, int to) {
        return LineCodec.indexOfNewline(b, from, to);
    }
}
