package io.chatnio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The built-in decoders fed the way the reactor feeds them ({@link FrameDecoding}): at every split position,
 * one byte at a time and all in one read, with the exact payload sequence asserted.
 */
class CodecSplitTest {

    // ---------------------------------------------------------------------------------------------------
    // Shared checks

    /** The payloads of {@code input} must be {@code expected} however the reads split it. */
    private static void assertEverySplit(FrameCodec codec, byte[] input, List<String> expected) throws Exception {
        int n = input.length;
        List<String> want = hex(expected);
        // all in one read, with the codec's minimum buffer and with the reactor's usual headroom
        assertThat(hex(FrameDecoding.decodeSplit(codec, input))).as("one read").isEqualTo(want);
        FrameDecoding roomy = new FrameDecoding(codec.newDecoder(), codec.maxFrameLength() + 4096);
        assertThat(hex(roomy.feed(input).frames())).as("one read, roomy buffer").isEqualTo(want);
        // one byte at a time, plus an empty read (end of input) after each byte
        FrameDecoding bytewise = new FrameDecoding(codec);
        for (int i = 0; i < n; i++) {
            bytewise.feed(input, i, i + 1).feed(new byte[0]);
        }
        assertThat(hex(bytewise.frames())).as("byte by byte").isEqualTo(want);
        // every single split point: [0, i) then [i, n)
        for (int i = 0; i <= n; i++) {
            assertThat(hex(FrameDecoding.decodeSplit(codec, input, i))).as("split at %d", i).isEqualTo(want);
        }
        // every pair of split points: [0, i), [i, j), [j, n)
        for (int i = 0; i <= n; i++) {
            for (int j = i; j <= n; j++) {
                assertThat(hex(FrameDecoding.decodeSplit(codec, input, i, j)))
                        .as("split at %d and %d", i, j).isEqualTo(want);
            }
        }
    }

    /** Feeds {@code input} one byte at a time and returns the decoding, which must have failed. */
    private static FrameDecoding failingBytewise(FrameCodec codec, byte[] input) {
        FrameDecoding d = new FrameDecoding(codec);
        assertThatThrownBy(() -> d.feedBytewise(input)).isInstanceOf(FrameException.class);
        assertThat(d.failure()).isNotNull();
        return d;
    }

    private static List<String> hex(List<?> frames) {
        List<String> out = new ArrayList<>();
        for (Object f : frames) {
            byte[] b = f instanceof byte[] ? (byte[]) f : ((String) f).getBytes(UTF_8);
            out.add(Arrays.toString(b) + " \"" + new String(b, UTF_8) + "\"");
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(UTF_8);
    }

    private static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------------------------------------------

    @Nested
    class Lines {
        private static final int MAX = 8;
        private final FrameCodec codec = FrameCodec.lines(MAX);

        @Test
        void maxFrameLengthIsPayloadPlusCrLf() {
            assertThat(codec.maxFrameLength()).isEqualTo(MAX + 2);
            assertThat(codec.headerLength()).isZero();
            assertThat(codec.trailer()).containsExactly('\n');
        }

        @Test
        void lfAndCrLfTerminatorsAndEmptyLinesAtEverySplit() throws Exception {
            byte[] in = utf8("hello\n\nworld\r\n\r\n\u00e9t\u00e9\nlast\r\n");
            assertEverySplit(codec, in, List.of("hello", "", "world", "", "\u00e9t\u00e9", "last"));
        }

        @Test
        void onlyOneTrailingCarriageReturnIsRemovedAndInnerOnesAreKept() throws Exception {
            assertEverySplit(codec, utf8("a\rb\n\r\n\r\r\nx\r\r\r\n"), List.of("a\rb", "", "\r", "x\r\r"));
        }

        @Test
        void lineOfExactlyMaxLengthAtEverySplit() throws Exception {
            String full = repeat('a', MAX);
            assertEverySplit(codec, utf8(full + "\n" + full + "\r\n" + "b\n"), List.of(full, full, "b"));
        }

        @Test
        void maxLengthPayloadEndingInCarriageReturnFitsWithCrLf() throws Exception {
            String payload = repeat('a', MAX - 1) + "\r";
            assertEverySplit(codec, utf8(payload + "\r\n"), List.of(payload));
        }

        @Test
        void partialLineWithCarriageReturnWaitsForItsNewline() throws Exception {
            // MAX bytes and '\r' = MAX + 1 bytes may still be a valid line: they must be held, not rejected
            FrameDecoding d = new FrameDecoding(codec);
            d.feedBytewise(utf8(repeat('a', MAX) + "\r"));
            assertThat(d.frames()).isEmpty();
            assertThat(d.held()).isEqualTo(MAX + 1);
            d.feed(new byte[0]); // another pass over the same bytes changes nothing
            assertThat(d.held()).isEqualTo(MAX + 1);
            d.feed("\n");
            assertThat(d.framesUtf8()).containsExactly(repeat('a', MAX));
            assertThat(d.held()).isZero();
            assertThat(d.maxHeld()).isEqualTo(MAX + 1);
        }

        @Test
        void maxPlusOneFailsWithTooLong() {
            for (String terminator : List.of("\n", "\r\n")) {
                FrameDecoding d = failingBytewise(codec, utf8("ok\n" + repeat('a', MAX + 1) + terminator));
                assertThat(d.failure()).isInstanceOf(FrameException.TooLong.class);
                assertThat(((FrameException.TooLong) d.failure()).maxLength()).isEqualTo(MAX);
                assertThat(d.framesUtf8()).containsExactly("ok");
            }
            // the same in one read, with frames before it delivered first
            FrameDecoding d = new FrameDecoding(codec.newDecoder(), 4096);
            assertThatThrownBy(() -> d.feed("x\ny\n" + repeat('a', MAX + 1) + "\nz\n"))
                    .isInstanceOf(FrameException.TooLong.class);
            assertThat(d.framesUtf8()).containsExactly("x", "y");
        }

        @Test
        void overLongLineFailsAfterMaxPlusTwoBytesWithoutNewline() throws Exception {
            for (char filler : new char[] {'a', '\r'}) {
                FrameDecoding d = new FrameDecoding(codec);
                d.feed("ok\n");
                byte[] line = utf8(repeat(filler, MAX + 2) + "never read");
                for (int i = 0; i < MAX + 1; i++) {
                    d.feed(line, i, i + 1);
                }
                assertThat(d.held()).isEqualTo(MAX + 1);
                assertThatThrownBy(() -> d.feed(line, MAX + 1, MAX + 2))
                        .isInstanceOf(FrameException.TooLong.class);
                assertThat(d.bytesRead()).isEqualTo(3 + MAX + 2);
                assertThat(d.framesUtf8()).containsExactly("ok");
            }
        }

        @Test
        void overLongLineFailsAfterMaxPlusTwoBytesAtAnySplit() {
            byte[] in = utf8("one\n" + repeat('a', MAX + 2));
            for (int i = 0; i <= in.length; i++) {
                int split = i;
                FrameDecoding d = new FrameDecoding(codec);
                assertThatThrownBy(() -> d.feed(in, 0, split).feed(in, split, in.length))
                        .as("split at %d", i).isInstanceOf(FrameException.TooLong.class);
                assertThat(d.framesUtf8()).containsExactly("one");
            }
        }

        @Test
        void neverNeedsMoreThanMaxPlusTwoBufferedBytes() throws Exception {
            // FrameDecoding's buffer holds exactly maxFrameLength() = MAX + 2 bytes: it fails if that is not enough
            String full = repeat('b', MAX);
            FrameDecoding d = new FrameDecoding(codec);
            d.feedBytewise(utf8(full + "\r\n" + full + "\n" + "c\r\n"));
            assertThat(d.framesUtf8()).containsExactly(full, full, "c");
            assertThat(d.maxHeld()).isLessThanOrEqualTo(MAX + 1);

            FrameDecoding big = new FrameDecoding(codec);
            big.feed(utf8((full + "\r\n").repeat(20)));
            assertThat(big.frames()).hasSize(20);
        }

        @Test
        void maxLengthOneAcceptsOneByteLines() throws Exception {
            FrameCodec one = FrameCodec.lines(1);
            assertEverySplit(one, utf8("a\n\nb\r\n\r\r\n"), List.of("a", "", "b", "\r"));
            assertThatThrownBy(() -> new FrameDecoding(one).feed("ab\n")).isInstanceOf(FrameException.TooLong.class);
        }
    }

    // ---------------------------------------------------------------------------------------------------

    @Nested
    class LengthPrefixed {
        private static final int MAX = 10;
        private final FrameCodec codec = FrameCodec.lengthPrefixed(MAX);

        private byte[] frame(String payload) {
            byte[] p = utf8(payload);
            return concat(header(p.length), p);
        }

        private byte[] header(int length) {
            byte[] h = new byte[4];
            ByteBuffer.wrap(h).putInt(length);
            return h;
        }

        @Test
        void headerIsFourBytesBigEndianAndMatchesTheDecoder() throws Exception {
            ByteBuffer b = ByteBuffer.allocate(8);
            FrameCodec.lengthPrefixed(1 << 20).writeHeader(b, 2, 0x010203);
            assertThat(b.array()).containsExactly(0, 0, 0, 1, 2, 3, 0, 0);
            assertThat(b.position()).isZero();
            assertThatThrownBy(() -> codec.writeHeader(b, 0, MAX + 1)).isInstanceOf(IllegalArgumentException.class);
            byte[] wire = new byte[4 + MAX];
            codec.writeHeader(ByteBuffer.wrap(wire), 0, MAX);
            assertThat(new FrameDecoding(codec).feed(wire).frames()).hasSize(1).first().isEqualTo(new byte[MAX]);
            assertThat(codec.maxFrameLength()).isEqualTo(MAX + 4);
            assertThat(codec.trailer()).isEmpty();
        }

        @Test
        void framesIncludingEmptyAndMaxLengthAtEverySplit() throws Exception {
            String full = "0123456789";
            byte[] in = concat(frame("hi"), frame(""), frame(full), frame(""), frame("\n:\u00e9"));
            assertEverySplit(codec, in, List.of("hi", "", full, "", "\n:\u00e9"));
        }

        @Test
        void zeroLengthFramesAlone() throws Exception {
            assertEverySplit(codec, concat(header(0), header(0), header(0)), List.of("", "", ""));
        }

        @Test
        void maxLengthFrameNeverNeedsMoreThanMaxFrameLengthBuffered() throws Exception {
            FrameDecoding d = new FrameDecoding(codec);
            String full = "abcdefghij";
            d.feedBytewise(concat(frame(full), frame(full), frame("x")));
            assertThat(d.framesUtf8()).containsExactly(full, full, "x");
            assertThat(d.maxHeld()).isEqualTo(MAX + 3);
        }

        @Test
        void maxPlusOneIsRejectedFromTheHeaderAlone() {
            FrameDecoding d = failingBytewise(codec, concat(frame("ok"), header(MAX + 1)));
            assertThat(d.failure()).isInstanceOf(FrameException.TooLong.class);
            assertThat(((FrameException.TooLong) d.failure()).maxLength()).isEqualTo(MAX);
            assertThat(d.bytesRead()).isEqualTo(6 + 4);
            assertThat(d.framesUtf8()).containsExactly("ok");

            FrameDecoding huge = failingBytewise(codec, header(Integer.MAX_VALUE));
            assertThat(huge.failure()).isInstanceOf(FrameException.TooLong.class);
            assertThat(huge.bytesRead()).isEqualTo(4);
        }

        @Test
        void negativeLengthIsRejectedFromTheHeaderAlone() {
            for (int length : new int[] {-1, -MAX, Integer.MIN_VALUE}) {
                FrameDecoding d = failingBytewise(codec, header(length));
                assertThat(d.failure()).isNotInstanceOf(FrameException.TooLong.class);
                assertThat(d.bytesRead()).isEqualTo(4);
            }
        }

        @Test
        void threeHeaderBytesAreHeldNotRejected() throws Exception {
            FrameDecoding d = new FrameDecoding(codec);
            d.feedBytewise(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
            assertThat(d.held()).isEqualTo(3);
            assertThat(d.failure()).isNull();
        }

        @Test
        void zeroMaximumAllowsOnlyEmptyFrames() throws Exception {
            FrameCodec zero = FrameCodec.lengthPrefixed(0);
            assertEverySplit(zero, concat(header(0), header(0)), List.of("", ""));
            assertThatThrownBy(() -> new FrameDecoding(zero).feed(header(1)))
                    .isInstanceOf(FrameException.TooLong.class);
        }
    }

    // ---------------------------------------------------------------------------------------------------

    @Nested
    class Raw {
        private static final int MAX = 5;
        private final FrameCodec codec = FrameCodec.raw(MAX);
        /** Three writes of a legacy peer, 14 bytes in all. */
        private final byte[] input = utf8("hello" + "wor" + "ld:abc");

        /** What one read of {@code input[from, to)} delivers: its bytes in pieces of at most MAX. */
        private List<String> pieces(int from, int to) {
            List<String> out = new ArrayList<>();
            for (int i = from; i < to; i += MAX) {
                out.add(new String(input, i, Math.min(MAX, to - i), UTF_8));
            }
            return out;
        }

        @Test
        void everyReadIsDeliveredInPiecesOfAtMostMaxChunk() throws Exception {
            for (int capacity : new int[] {MAX, MAX + 4096}) {
                FrameDecoding d = new FrameDecoding(codec.newDecoder(), capacity);
                d.feed(input, 0, 5).feed(input, 5, 8).feed(input, 8, 14);
                assertThat(d.framesUtf8()).as("capacity %d", capacity).containsExactly("hello", "wor", "ld:ab", "c");
                assertThat(d.maxHeld()).isZero();
            }
        }

        @Test
        void everySplitPosition() throws Exception {
            int n = input.length;
            for (int i = 0; i <= n; i++) {
                List<String> expected = new ArrayList<>(pieces(0, i));
                expected.addAll(pieces(i, n));
                assertThat(new FrameDecoding(codec).feed(input, 0, i).feed(input, i, n).framesUtf8())
                        .as("split at %d", i).isEqualTo(expected);
                FrameDecoding roomy = new FrameDecoding(codec.newDecoder(), 4096);
                assertThat(roomy.feed(input, 0, i).feed(input, i, n).framesUtf8())
                        .as("split at %d, roomy buffer", i).isEqualTo(expected);
            }
        }

        @Test
        void oneByteAtATime() throws Exception {
            FrameDecoding d = new FrameDecoding(codec).feedBytewise(input);
            List<String> expected = new ArrayList<>();
            for (byte b : input) {
                expected.add(new String(new byte[] {b}, UTF_8));
            }
            assertThat(d.framesUtf8()).isEqualTo(expected);
        }

        @Test
        void allInOneRead() throws Exception {
            FrameDecoding d = new FrameDecoding(codec.newDecoder(), 4096).feed(input);
            assertThat(d.framesUtf8()).containsExactly("hello", "world", ":abc");
            assertThat(d.framesUtf8()).isEqualTo(pieces(0, input.length));
        }

        @Test
        void emptyReadDeliversNothing() throws Exception {
            FrameDecoding d = new FrameDecoding(codec).feed(new byte[0]).feed("a").feed(new byte[0]);
            assertThat(d.framesUtf8()).containsExactly("a");
        }
    }
}
