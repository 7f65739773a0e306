package io.chatnio;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Drives a {@link FrameDecoder} the way the reactor's read path does, without sockets, and checks the decoder
 * contract on every call.
 *
 * <p>A buffer of fixed capacity holds the undelivered bytes. Each {@link #feed} appends input in reads of at
 * most the free room, like {@code channel.read(rb)}; after every read the buffer is flipped and {@code decode}
 * is called until it returns {@link FrameDecoder#NEED_MORE}. Each payload is copied out, then the limit is
 * restored and the position set to {@code end}; what is left is compacted to the front before the next read.
 * Feeding an empty chunk runs one more decode pass over the held bytes without adding any, as the reactor does
 * on end of input or when a paused connection resumes.
 *
 * <p>The capacity defaults to the codec's {@link FrameCodec#maxFrameLength()}: a decoder that ever needs to
 * hold more than that many bytes to make progress makes {@link #feed} fail with "buffer full".
 *
 * <p>A {@link FrameException} thrown by the decoder is recorded and rethrown; the instance is then closed, like
 * the connection, and refuses further input. Any other exception escapes as it is. A contract violation is an
 * {@link AssertionError}.
 */
final class FrameDecoding {
    private final FrameDecoder decoder;
    /** In write mode between feeds: {@code [0, position)} are the held, undelivered bytes. */
    private final ByteBuffer buf;
    private final List<byte[]> frames = new ArrayList<>();
    private FrameException failure;
    /** Input bytes moved into the buffer so far. */
    private long bytesRead;
    private int maxHeld;
    private long decodeCalls;

    FrameDecoding(FrameCodec codec) {
        this(codec.newDecoder(), codec.maxFrameLength());
    }

    FrameDecoding(FrameDecoder decoder, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity: " + capacity);
        }
        this.decoder = decoder;
        this.buf = ByteBuffer.allocate(capacity); // big-endian, like the reactor's read buffer
    }

    /** Decodes {@code input} delivered in one read per chunk. */
    static List<byte[]> decodeChunks(FrameCodec codec, List<byte[]> chunks) throws FrameException {
        FrameDecoding d = new FrameDecoding(codec);
        for (byte[] chunk : chunks) {
            d.feed(chunk);
        }
        return d.frames();
    }

    /** Decodes {@code input} cut at the given ascending indices, one read per piece. */
    static List<byte[]> decodeSplit(FrameCodec codec, byte[] input, int... cuts) throws FrameException {
        FrameDecoding d = new FrameDecoding(codec);
        int from = 0;
        for (int cut : cuts) {
            d.feed(input, from, cut);
            from = cut;
        }
        d.feed(input, from, input.length);
        return d.frames();
    }

    FrameDecoding feed(String utf8) throws FrameException {
        return feed(utf8.getBytes(StandardCharsets.UTF_8));
    }

    FrameDecoding feed(byte[] chunk) throws FrameException {
        return feed(chunk, 0, chunk.length);
    }

    /** Feeds {@code data[from, to)} as one chunk; see the class comment. */
    FrameDecoding feed(byte[] data, int from, int to) throws FrameException {
        if (failure != null) {
            throw new IllegalStateException("closed after " + failure);
        }
        if (from == to) {
            readAndDeliver(data, from, 0);
            return this;
        }
        while (from < to) {
            int n = Math.min(buf.remaining(), to - from);
            if (n == 0) {
                throw new AssertionError("buffer full: " + buf.capacity()
                        + " undelivered bytes and the decoder neither returned a frame nor failed");
            }
            readAndDeliver(data, from, n);
            from += n;
        }
        return this;
    }

    /** Feeds each byte of {@code data} as a chunk of its own. */
    FrameDecoding feedBytewise(byte[] data) throws FrameException {
        for (int i = 0; i < data.length; i++) {
            feed(data, i, i + 1);
        }
        return this;
    }

    private void readAndDeliver(byte[] data, int from, int n) throws FrameException {
        buf.put(data, from, n);
        bytesRead += n;
        buf.flip();
        try {
            deliver();
        } finally {
            buf.compact();
        }
        maxHeld = Math.max(maxHeld, buf.position());
    }

    private void deliver() throws FrameException {
        int limit = buf.limit();
        while (true) {
            int start = buf.position();
            byte[] before = new byte[limit - start];
            buf.get(start, before);
            int end;
            decodeCalls++;
            try {
                end = decoder.decode(buf);
            } catch (FrameException e) {
                failure = e;
                throw e;
            }
            byte[] after = new byte[limit - start];
            buf.duplicate().clear().get(start, after);
            check(Arrays.equals(before, after), "decode wrote into its input", start, limit, end);
            if (end == FrameDecoder.NEED_MORE) {
                check(buf.position() == start && buf.limit() == limit,
                        "NEED_MORE must leave position and limit unchanged, found [" + buf.position() + ", "
                                + buf.limit() + ")", start, limit, end);
                return; // the reactor restores them anyway: rb.limit(limit).position(start)
            }
            check(end > start, "end must be > start", start, limit, end);
            check(end <= limit, "end must be <= limit", start, limit, end);
            int p = buf.position();
            int q = buf.limit();
            check(start <= p && p <= q && q <= end,
                    "payload [" + p + ", " + q + ") must lie within [start, end)", start, limit, end);
            byte[] payload = new byte[q - p];
            buf.get(payload);
            frames.add(payload);
            buf.limit(limit).position(end);
        }
    }

    private static void check(boolean ok, String what, int start, int limit, int end) {
        if (!ok) {
            throw new AssertionError("decoder contract: " + what + " (bytes [" + start + ", " + limit
                    + "), returned " + end + ")");
        }
    }

    /** The payloads delivered so far, in order. */
    List<byte[]> frames() {
        return frames;
    }

    /** The payloads delivered so far, decoded as UTF-8. */
    List<String> framesUtf8() {
        List<String> out = new ArrayList<>(frames.size());
        for (byte[] f : frames) {
            out.add(new String(f, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Undelivered bytes held now. */
    int held() {
        return buf.position();
    }

    /** The most undelivered bytes held after any decode pass. */
    int maxHeld() {
        return maxHeld;
    }

    /** Input bytes taken into the buffer so far (including those of the read that failed). */
    long bytesRead() {
        return bytesRead;
    }

    long decodeCalls() {
        return decodeCalls;
    }

    /** The {@link FrameException} that closed this decoding, or {@code null}. */
    FrameException failure() {
        return failure;
    }
}
