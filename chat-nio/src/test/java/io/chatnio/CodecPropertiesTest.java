package io.chatnio;

import static io.chatnio.CodecPropertiesTest.Cases.anyByte;
import static io.chatnio.CodecPropertiesTest.Cases.bytes;
import static io.chatnio.CodecPropertiesTest.Cases.forAll;
import static io.chatnio.CodecPropertiesTest.Cases.intBetween;
import static io.chatnio.CodecPropertiesTest.Cases.listOf;
import static io.chatnio.CodecPropertiesTest.Cases.longBetween;
import static io.chatnio.CodecPropertiesTest.Cases.pick;
import static io.chatnio.CodecPropertiesTest.Cases.pickByte;
import static io.chatnio.CodecPropertiesTest.Cases.size;
import static io.chatnio.CodecPropertiesTest.Cases.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Round trips and garbage for the built-in codecs, decoded through {@link FrameDecoding} with random read
 * boundaries (including empty reads, which re-run the decoder over the bytes it already has).
 *
 * <p>Each property runs a fixed number of random cases drawn from a {@link Random} with a fixed seed, a
 * constant per test; {@code -Dchatnio.test.seed=N} replaces it. A failure names the seed, the case index and
 * the generated input, so it can be reproduced.
 */
class CodecPropertiesTest {

    /** A line to encode by hand: its payload and whether it ends in {@code "\r\n"} rather than {@code "\n"}. */
    record Line(byte[] payload, boolean crlf) {
        @Override
        public String toString() {
            return Arrays.toString(payload) + (crlf ? " CRLF" : " LF");
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Round trips

    record LinesCase(List<Line> lines, int slack, List<Integer> reads, boolean roomy) {
    }

    @Test
    void linesRoundTrip() {
        forAll(0x11E5L, 500, r -> new LinesCase(lines(r), r.nextInt(3), readSizes(r), r.nextBoolean()),
                CodecPropertiesTest::linesRoundTrip);
    }

    private static void linesRoundTrip(LinesCase c) throws FrameException {
        int longest = 0;
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        List<byte[]> expected = new ArrayList<>();
        for (Line l : c.lines()) {
            byte[] p = l.payload();
            longest = Math.max(longest, p.length);
            wire.writeBytes(p);
            // a payload ending in '\r' needs "\r\n": with a bare '\n' its '\r' would be taken as the terminator's
            boolean crlf = l.crlf() || (p.length > 0 && p[p.length - 1] == '\r');
            wire.writeBytes(crlf ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
            expected.add(p);
        }
        FrameCodec codec = FrameCodec.lines(Math.max(1, longest + c.slack()));

        FrameDecoding d = decoding(codec, c.roomy());
        feedInReads(d, wire.toByteArray(), c.reads());

        assertThat(show(d.frames())).isEqualTo(show(expected));
        assertThat(d.held()).isZero();
        assertThat(d.maxHeld()).isLessThan(codec.maxFrameLength());
    }

    record LengthPrefixedCase(List<byte[]> frames, int slack, List<Integer> reads, boolean roomy) {
        @Override
        public String toString() {
            return "LengthPrefixedCase[frames=" + show(frames) + ", slack=" + slack + ", reads=" + reads + ", roomy="
                    + roomy + "]";
        }
    }

    @Test
    void lengthPrefixedRoundTrip() {
        forAll(0x1E6L, 500, r -> new LengthPrefixedCase(payloads(r), r.nextInt(3), readSizes(r), r.nextBoolean()),
                CodecPropertiesTest::lengthPrefixedRoundTrip);
    }

    private static void lengthPrefixedRoundTrip(LengthPrefixedCase c) throws FrameException {
        int longest = 0;
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (byte[] p : c.frames()) {
            longest = Math.max(longest, p.length);
            wire.writeBytes(ByteBuffer.allocate(4).putInt(p.length).array());
            wire.writeBytes(p);
        }
        FrameCodec codec = FrameCodec.lengthPrefixed(longest + c.slack());

        FrameDecoding d = decoding(codec, c.roomy());
        feedInReads(d, wire.toByteArray(), c.reads());

        assertThat(show(d.frames())).isEqualTo(show(c.frames()));
        assertThat(d.held()).isZero();
        assertThat(d.maxHeld()).isLessThan(codec.maxFrameLength());
    }

    record RawCase(List<byte[]> reads, int maxChunk, boolean roomy) {
        @Override
        public String toString() {
            return "RawCase[reads=" + show(reads) + ", maxChunk=" + maxChunk + ", roomy=" + roomy + "]";
        }
    }

    /** Raw has no boundaries of its own: each read comes back as itself, cut in pieces of at most maxChunk. */
    @Test
    void rawDeliversEachReadInPiecesOfAtMostMaxChunk() {
        forAll(0x4A3L, 500, r -> new RawCase(payloads(r), intBetween(r, 1, 20), r.nextBoolean()),
                CodecPropertiesTest::rawDeliversEachReadInPiecesOfAtMostMaxChunk);
    }

    private static void rawDeliversEachReadInPiecesOfAtMostMaxChunk(RawCase c) throws FrameException {
        int maxChunk = c.maxChunk();
        FrameCodec codec = FrameCodec.raw(maxChunk);
        List<byte[]> expected = new ArrayList<>();
        FrameDecoding d = decoding(codec, c.roomy());
        for (byte[] read : c.reads()) {
            d.feed(read);
            for (int i = 0; i < read.length; i += maxChunk) {
                expected.add(Arrays.copyOfRange(read, i, Math.min(read.length, i + maxChunk)));
            }
        }
        assertThat(show(d.frames())).isEqualTo(show(expected));
        assertThat(d.maxHeld()).isZero();
    }

    // ---------------------------------------------------------------------------------------------------
    // Garbage

    record GarbageCase(Codec codec, byte[] input, List<Integer> reads, boolean roomy) {
        @Override
        public String toString() {
            return "GarbageCase[codec=" + codec + ", input=" + Arrays.toString(input) + ", reads=" + reads
                    + ", roomy=" + roomy + "]";
        }
    }

    /**
     * Any bytes, read in any pieces: the decoder either delivers frames or fails with a FrameException, never
     * anything else; it never holds a whole maxFrameLength() of undelivered bytes; and what it delivers and
     * whether it fails does not depend on the read boundaries (checked against a model decoding it all at once).
     */
    @Test
    void garbageOnlyEverFailsWithFrameException() {
        int tries = 1000;
        Map<String, Integer> outcomes = new TreeMap<>();
        long seed = forAll(0x6A4BA6EL, tries,
                r -> new GarbageCase(codec(r), garbage(r), readSizes(r), r.nextBoolean()),
                c -> garbageOnlyEverFailsWithFrameException(c, outcomes));
        // the generator must keep producing frames before failures, not just early failures
        for (String s : List.of("LINES frames", "LINES frames then TooLong", "LENGTH_PREFIXED frames then TooLong",
                "LENGTH_PREFIXED frames then FrameException", "RAW frames")) {
            int n = outcomes.getOrDefault(s, 0);
            assertThat(100.0 * n / tries)
                    .as("percentage of cases with outcome \"%s\" (seed %d; all outcomes: %s)", s, seed, outcomes)
                    .isGreaterThan(0.2);
        }
    }

    private static void garbageOnlyEverFailsWithFrameException(GarbageCase gc, Map<String, Integer> outcomes) {
        Codec c = gc.codec();
        byte[] input = gc.input();
        FrameCodec codec = c.create();
        FrameDecoding d = decoding(codec, gc.roomy());
        try {
            feedInReads(d, input, gc.reads());
        } catch (FrameException e) {
            assertThat(d.failure()).isSameAs(e);
        }
        // after each read that did not fail: what is left is the start of a frame, shorter than a whole one
        assertThat(d.maxHeld()).as("undelivered bytes held").isLessThan(codec.maxFrameLength());

        String outcome = c.kind() + (d.frames().isEmpty() ? " no frames" : " frames")
                + (d.failure() == null ? "" : " then " + d.failure().getClass().getSimpleName());
        outcomes.merge(outcome, 1, Integer::sum);

        if (c.kind() == Kind.RAW) {
            byte[] all = concat(d.frames());
            assertThat(all).isEqualTo(input);
            assertThat(d.failure()).isNull();
            return;
        }
        Outcome model = c.kind() == Kind.LINES ? linesModel(input, c.max()) : lengthPrefixedModel(input, c.max());
        assertThat(show(d.frames())).as("frames").isEqualTo(show(model.frames));
        assertThat(d.failure() == null ? null : d.failure().getClass()).as("failure").isEqualTo(model.failure);
    }

    enum Kind { LINES, LENGTH_PREFIXED, RAW }

    /** A built-in codec and its limit. */
    record Codec(Kind kind, int max) {
        FrameCodec create() {
            switch (kind) {
                case LINES:
                    return FrameCodec.lines(max);
                case LENGTH_PREFIXED:
                    return FrameCodec.lengthPrefixed(max);
                default:
                    return FrameCodec.raw(max);
            }
        }
    }

    /** What a decoder must do with {@code input} received in one piece. */
    private record Outcome(List<byte[]> frames, Class<?> failure) {
    }

    /** Lines, written from the documentation: {@code '\n'} ends a payload, one trailing {@code '\r'} is dropped. */
    private static Outcome linesModel(byte[] in, int max) {
        List<byte[]> frames = new ArrayList<>();
        int start = 0;
        while (true) {
            int nl = start;
            while (nl < in.length && in[nl] != '\n') {
                nl++;
            }
            if (nl == in.length) {
                // no newline yet: max + 1 bytes may still become "payload\r\n"; max + 2 never can
                return new Outcome(frames, in.length - start > max + 1 ? FrameException.TooLong.class : null);
            }
            int end = nl > start && in[nl - 1] == '\r' ? nl - 1 : nl;
            if (end - start > max) {
                return new Outcome(frames, FrameException.TooLong.class);
            }
            frames.add(Arrays.copyOfRange(in, start, end));
            start = nl + 1;
        }
    }

    /** Length-prefixed, written from the documentation. */
    private static Outcome lengthPrefixedModel(byte[] in, int max) {
        List<byte[]> frames = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(in);
        while (b.remaining() >= 4) {
            int length = b.getInt();
            if (length < 0) {
                return new Outcome(frames, FrameException.class);
            }
            if (length > max) {
                return new Outcome(frames, FrameException.TooLong.class);
            }
            if (b.remaining() < length) {
                break;
            }
            byte[] p = new byte[length];
            b.get(p);
            frames.add(p);
        }
        return new Outcome(frames, null);
    }

    // ---------------------------------------------------------------------------------------------------
    // Generators

    /** Up to 8 lines of up to 24 bytes: any byte but '\n', with plenty of '\r', ':', ' ' and 0. */
    static List<Line> lines(Random r) {
        return listOf(r, 8, () -> {
            byte[] payload = new byte[size(r, 24)];
            for (int i = 0; i < payload.length; i++) {
                byte b;
                do {
                    switch (weighted(r, 6, 2, 1)) {
                        case 0:
                            b = anyByte(r);
                            break;
                        case 1:
                            b = '\r';
                            break;
                        default:
                            b = pickByte(r, (byte) ':', (byte) ' ', (byte) 0);
                    }
                } while (b == '\n');
                payload[i] = b;
            }
            return new Line(payload, r.nextBoolean());
        });
    }

    /** Up to 8 arrays of up to 24 bytes. */
    static List<byte[]> payloads(Random r) {
        return listOf(r, 8, () -> bytes(r, 24));
    }

    /**
     * Sizes of successive reads, cycled until the input is used up; 0 is an empty read. An empty list, or one
     * of only zeros, means one read of everything.
     */
    static List<Integer> readSizes(Random r) {
        return listOf(r, 10, () -> {
            switch (weighted(r, 1, 6, 2)) {
                case 0:
                    return 0;
                case 1:
                    return intBetween(r, 1, 6);
                default:
                    return intBetween(r, 7, 100);
            }
        });
    }

    static Codec codec(Random r) {
        return new Codec(pick(r, Kind.values()), intBetween(r, 1, 12));
    }

    /** Bytes with plenty of what the codecs care about: newlines, carriage returns, small and odd lengths, frames. */
    static byte[] garbage(Random r) {
        return concat(listOf(r, 30, () -> {
            switch (weighted(r, 6, 2, 3, 1, 1, 2, 2)) {
                case 0:
                    return new byte[] {anyByte(r)};
                case 1:
                    return pick(r, new byte[] {'\n'}, new byte[] {'\r'}, new byte[] {'\r', '\n'});
                case 2:
                    return int32(intBetween(r, -2, 14));
                case 3:
                    return int32((int) longBetween(r, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case 4:
                    return bytes(r, 20);
                case 5: {
                    // well-formed frames, so that garbage has frames in it too
                    byte[] p = bytes(r, 12);
                    return concat(List.of(int32(p.length), p));
                }
                default: {
                    byte[] p = new byte[size(r, 12)];
                    for (int i = 0; i < p.length; i++) {
                        byte b;
                        do {
                            b = anyByte(r);
                        } while (b == '\n');
                        p[i] = b;
                    }
                    return concat(List.of(p, new byte[] {'\n'}));
                }
            }
        }));
    }

    // ---------------------------------------------------------------------------------------------------
    // The line search

    record ScanCase(byte[] bytes, int start, boolean direct, boolean littleEndian) {
        @Override
        public String toString() {
            return Arrays.toString(bytes) + " from " + start + (direct ? " direct" : " heap")
                    + (littleEndian ? " LE" : " BE");
        }
    }

    /**
     * The line decoder ends a frame at the first {@code '\n'} after the frame start, whatever surrounds it:
     * bytes one bit away from {@code '\n'} ({@code 0x0B}, {@code 0x08}, {@code 0x8A}, {@code 0x4A}), bytes that
     * make a word-at-a-time test borrow or carry ({@code 0x00}, {@code 0x01}, {@code 0x80}, {@code 0xFF}), at
     * every alignment, in heap and direct buffers of either byte order.
     */
    @Test
    void lineEndsAtTheFirstNewlineWhateverSurroundsIt() {
        byte[] alphabet = {'\n', 0x0B, 0x08, (byte) 0x8A, 0x4A, 0x00, 0x01, (byte) 0x80, (byte) 0xFF, 0x7F, 'a'};
        byte[] filler = {0x0B, (byte) 0x8A, 0x00, (byte) 0xFF, 'a'};
        forAll(0x5CA4L, 2000, r -> {
            byte[] b = new byte[size(r, 120)];
            int newlines = weighted(r, 1, 4); // mostly rare newlines, so that long runs are searched
            for (int i = 0; i < b.length; i++) {
                b[i] = newlines == 0 || r.nextInt(40) == 0 ? pickByte(r, alphabet) : pickByte(r, filler);
            }
            return new ScanCase(b, b.length == 0 ? 0 : r.nextInt(b.length + 1), r.nextBoolean(), r.nextBoolean());
        }, c -> {
            int n = c.bytes().length;
            ByteBuffer in = (c.direct() ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n)).order(c.littleEndian() ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
            in.put(c.bytes()).flip().position(c.start());
            int expected = FrameDecoder.NEED_MORE;
            for (int i = c.start(); i < c.bytes().length; i++) {
                if (c.bytes()[i] == '\n') {
                    expected = i + 1;
                    break;
                }
            }
            assertThat(FrameCodec.lines(1 << 16).newDecoder().decode(in)).isEqualTo(expected);
        });
    }

    // ---------------------------------------------------------------------------------------------------
    // Random cases

    /**
     * Seeded random cases without a property-testing library: a fixed seed per test, overridable with
     * {@code -Dchatnio.test.seed=N}, and generators with some weight on edge values. Also used by
     * {@link SeedAddressingPropertiesTest}.
     */
    static final class Cases {
        private Cases() {
        }

        static final String SEED_PROPERTY = "chatnio.test.seed";

        @FunctionalInterface
        interface Check<T> {
            void check(T input) throws Exception;
        }

        /**
         * Runs {@code property} on {@code tries} inputs made by {@code generator} from one {@link Random} seeded
         * with {@code defaultSeed} or the {@value #SEED_PROPERTY} system property; returns the seed used. A failure
         * is rethrown as an AssertionError naming the seed, the case index and the input.
         */
        static <T> long forAll(long defaultSeed, int tries, Function<Random, T> generator, Check<T> property) {
            String override = System.getProperty(SEED_PROPERTY);
            long seed = override == null || override.isBlank() ? defaultSeed : Long.decode(override.trim());
            Random random = new Random(seed);
            for (int i = 0; i < tries; i++) {
                T input = generator.apply(random);
                try {
                    property.check(input);
                } catch (Throwable e) {
                    throw new AssertionError("case " + i + " of " + tries + " failed (seed " + seed + ", rerun with -D"
                            + SEED_PROPERTY + "=" + seed + ")\ninput: " + input + "\n" + e, e);
                }
            }
            return seed;
        }

        /**
         * An int in {@code [min, max]}: mostly uniform, sometimes a bound or next to one, sometimes a value of a
         * random bit length above min (so small values are not rare in wide ranges).
         */
        static int intBetween(Random r, int min, int max) {
            return (int) longBetween(r, min, max);
        }

        static long longBetween(Random r, long min, long max) {
            int k = r.nextInt(20);
            if (k == 0) {
                return r.nextBoolean() ? min : max;
            }
            if (k == 1) {
                return r.nextBoolean() ? Math.min(min + 1, max) : Math.max(max - 1, min);
            }
            if (k < 8) {
                long span = max - min; // ranges used here are at most 2^32 wide
                int bits = r.nextInt(64 - Long.numberOfLeadingZeros(span) + 1);
                long offset = bits == 0 ? 0 : r.nextLong(1L << bits);
                return min + (offset <= span ? offset : r.nextLong(span + 1));
            }
            return r.nextLong(min, max + 1);
        }

        /** Any byte, now and then one of 0, 1, -1, the smallest and the largest. */
        static byte anyByte(Random r) {
            if (r.nextInt(20) == 0) {
                return pickByte(r, (byte) 0, (byte) 1, (byte) -1, Byte.MIN_VALUE, Byte.MAX_VALUE);
            }
            return (byte) r.nextInt(256);
        }

        static byte[] bytes(Random r, int maxSize) {
            byte[] b = new byte[size(r, maxSize)];
            for (int i = 0; i < b.length; i++) {
                b[i] = anyByte(r);
            }
            return b;
        }

        /** A collection size in {@code [0, max]}: uniform, with extra weight on empty and full. */
        static int size(Random r, int max) {
            int k = r.nextInt(10);
            return k == 0 ? 0 : k == 1 ? max : r.nextInt(max + 1);
        }

        static <T> List<T> listOf(Random r, int maxSize, Supplier<T> element) {
            int n = size(r, maxSize);
            List<T> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(element.get());
            }
            return out;
        }

        /** An index in {@code [0, weights.length)}, each with its weight. */
        static int weighted(Random r, int... weights) {
            int x = r.nextInt(Arrays.stream(weights).sum());
            int i = 0;
            while (x >= weights[i]) {
                x -= weights[i++];
            }
            return i;
        }

        @SafeVarargs
        static <T> T pick(Random r, T... values) {
            return values[r.nextInt(values.length)];
        }

        static byte pickByte(Random r, byte... values) {
            return values[r.nextInt(values.length)];
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    private static FrameDecoding decoding(FrameCodec codec, boolean roomy) {
        // the smallest buffer a decoder may rely on, or the reactor's usual maxFrameLength() + 4096
        return roomy ? new FrameDecoding(codec.newDecoder(), codec.maxFrameLength() + 4096) : new FrameDecoding(codec);
    }

    private static void feedInReads(FrameDecoding d, byte[] input, List<Integer> reads) throws FrameException {
        if (reads.stream().allMatch(r -> r == 0)) {
            d.feed(input);
            return;
        }
        int at = 0;
        for (int k = 0; at < input.length; k++) {
            int n = Math.min(reads.get(k % reads.size()), input.length - at);
            d.feed(input, at, at + n);
            at += n;
        }
        d.feed(new byte[0]); // end of input: one more pass over what is held
    }

    private static byte[] int32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static List<String> show(List<byte[]> frames) {
        List<String> out = new ArrayList<>(frames.size());
        for (byte[] f : frames) {
            out.add(Arrays.toString(f));
        }
        return out;
    }
}
