package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.FrameDecoder;
import io.chatnio.FrameException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link NewlineIndex} against a byte-by-byte search, and the line decoder reading through it the way the loop
 * drives it (load what was read, decode, keep the rest, read more) under every split of the input. Seeded:
 * a failure names its seed and case.
 */
class NewlineIndexTest {
    /** Newlines, bytes one bit away from one, and bytes that make a word-wide test borrow or carry. */
    private static final byte[] ALPHABET = {'\n', 0x0B, 0x08, 0x0E, 0x2A, (byte) 0x8A, 0x00, 0x01, (byte) 0x80,
        (byte) 0xFF, 0x7F, 'a'};
    private static final byte[] FILLER = {0x0B, (byte) 0x8A, 0x00, (byte) 0xFF, 0x09, 'a'};

    private static byte pick(Random r, byte[] from) {
        return from[r.nextInt(from.length)];
    }

    @Test
    void findsTheFirstNewlineOfAnyLoadedRange() {
        long seed = 0x1DE7L;
        Random r = new Random(seed);
        for (int t = 0; t < 20_000; t++) {
            int capacity = 8 * (1 + r.nextInt(40));
            ByteBuffer buffer = ByteBuffer.allocateDirect(capacity);
            NewlineIndex index = new NewlineIndex(buffer);
            // first an older content, loaded everywhere: what the index must forget where bytes change
            fill(buffer, r, 1 + r.nextInt(8));
            index.load(0, capacity);
            fill(buffer, r, r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(60));
            int from = r.nextInt(capacity + 1);
            int to = from + r.nextInt(capacity - from + 1);
            // the loop loads exactly what it is about to decode; a wider load must not change the answer
            int loadFrom = r.nextBoolean() ? from : r.nextInt(from + 1);
            int loadTo = r.nextBoolean() ? to : to + r.nextInt(capacity - to + 1);
            index.load(loadFrom, loadTo);

            int expected = -1;
            for (int i = from; i < to; i++) {
                if (buffer.get(i) == '\n') {
                    expected = i;
                    break;
                }
            }
            assertThat(index.indexOf(from, to))
                    .as("seed %d case %d: capacity %d, [%d, %d) loaded as [%d, %d)", seed, t, capacity, from, to,
                            loadFrom, loadTo)
                    .isEqualTo(expected);
        }
    }

    /** Mostly filler, with a newline or a tricky byte about once in {@code sparsity} bytes (never if 0). */
    private static void fill(ByteBuffer b, Random r, int sparsity) {
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, sparsity > 0 && r.nextInt(sparsity) == 0 ? pick(r, ALPHABET) : pick(r, FILLER));
        }
    }

    @Test
    void rejectsABufferOfPartWords() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new NewlineIndex(ByteBuffer.allocateDirect(12)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Lines of 0 to 300 bytes (with "\r\n" endings too), fed through a read buffer in chunks of 1 byte up to
     * the whole stream, decoded with the index as the loop does: every line comes out, in order, intact.
     */
    @Test
    void theLineDecoderFindsEveryLineThroughTheIndexUnderAnySplit() throws FrameException {
        long seed = 0x5B117L;
        Random r = new Random(seed);
        for (int t = 0; t < 400; t++) {
            List<String> lines = new ArrayList<>();
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            int count = 1 + r.nextInt(30);
            for (int i = 0; i < count; i++) {
                int n = r.nextInt(4) == 0 ? r.nextInt(8) : r.nextInt(300);
                StringBuilder line = new StringBuilder();
                for (int j = 0; j < n; j++) {
                    line.append((char) (r.nextInt(8) == 0 ? 0x0B : 'a' + r.nextInt(26)));
                }
                lines.add(line.toString());
                stream.writeBytes(line.toString().getBytes(StandardCharsets.ISO_8859_1));
                stream.writeBytes(r.nextInt(5) == 0 ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
            }
            byte[] bytes = stream.toByteArray();
            int maxChunk = r.nextInt(3) == 0 ? 1 : 1 + r.nextInt(bytes.length);
            assertThat(decodeInChunks(bytes, r, maxChunk))
                    .as("seed %d case %d, chunks of at most %d bytes", seed, t, maxChunk)
                    .isEqualTo(lines);
        }
    }

    /** The loop's read path in miniature: keep the undecoded rest at the front, read more after it, load, decode. */
    private static List<String> decodeInChunks(byte[] bytes, Random r, int maxChunk) throws FrameException {
        ByteBuffer rb = ByteBuffer.allocateDirect(1024);
        NewlineIndex index = new NewlineIndex(rb);
        LineCodec.Decoder decoder = (LineCodec.Decoder) new LineCodec(400).newDecoder();
        decoder.useIndex(index);
        List<String> out = new ArrayList<>();
        rb.clear();
        // stale newlines everywhere: whatever was read before must not leak into the index
        for (int i = 0; i < rb.capacity(); i++) {
            rb.put(i, (byte) '\n');
        }
        index.load(0, rb.capacity());
        int fed = 0;
        while (fed < bytes.length) {
            int n = Math.min(Math.min(bytes.length - fed, rb.remaining()), 1 + r.nextInt(maxChunk));
            rb.put(bytes, fed, n);
            fed += n;
            rb.flip();
            index.load(rb.position(), rb.limit());
            int limit = rb.limit();
            while (true) {
                int start = rb.position();
                int end = decoder.decode(rb);
                if (end == FrameDecoder.NEED_MORE) {
                    rb.limit(limit).position(start);
                    break;
                }
                assertThat(end).as("end of a frame that starts at %d", start).isGreaterThan(start);
                byte[] line = new byte[rb.remaining()];
                rb.get(line);
                out.add(new String(line, StandardCharsets.ISO_8859_1));
                rb.limit(limit).position(end);
            }
            rb.compact();
        }
        return out;
    }
}
