package io.chatnio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Round trips and garbage for the built-in codecs, decoded through {@link FrameDecoding} with random read
 * boundaries (including empty reads, which re-run the decoder over the bytes it already has).
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

    @Property(tries = 500)
    void linesRoundTrip(@ForAll("lines") List<Line> lines, @ForAll @IntRange(min = 0, max = 2) int slack,
            @ForAll("readSizes") List<Integer> reads, @ForAll boolean roomy) throws FrameException {
        int longest = 0;
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        List<byte[]> expected = new ArrayList<>();
        for (Line l : lines) {
            byte[] p = l.payload();
            longest = Math.max(longest, p.length);
            wire.writeBytes(p);
            // a payload ending in '\r' needs "\r\n": with a bare '\n' its '\r' would be taken as the terminator's
            boolean crlf = l.crlf() || (p.length > 0 && p[p.length - 1] == '\r');
            wire.writeBytes(crlf ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
            expected.add(p);
        }
        FrameCodec codec = FrameCodec.lines(Math.max(1, longest + slack));

        FrameDecoding d = decoding(codec, roomy);
        feedInReads(d, wire.toByteArray(), reads);

        assertThat(show(d.frames())).isEqualTo(show(expected));
        assertThat(d.held()).isZero();
        assertThat(d.maxHeld()).isLessThan(codec.maxFrameLength());
    }

    @Property(tries = 500)
    void lengthPrefixedRoundTrip(@ForAll("payloads") List<byte[]> frames, @ForAll @IntRange(min = 0, max = 2) int slack,
            @ForAll("readSizes") List<Integer> reads, @ForAll boolean roomy) throws FrameException {
        int longest = 0;
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (byte[] p : frames) {
            longest = Math.max(longest, p.length);
            wire.writeBytes(ByteBuffer.allocate(4).putInt(p.length).array());
            wire.writeBytes(p);
        }
        FrameCodec codec = FrameCodec.lengthPrefixed(longest + slack);

        FrameDecoding d = decoding(codec, roomy);
        feedInReads(d, wire.toByteArray(), reads);

        assertThat(show(d.frames())).isEqualTo(show(frames));
        assertThat(d.held()).isZero();
        assertThat(d.maxHeld()).isLessThan(codec.maxFrameLength());
    }

    /** Raw has no boundaries of its own: each read comes back as itself, cut in pieces of at most maxChunk. */
    @Property(tries = 500)
    void rawDeliversEachReadInPiecesOfAtMostMaxChunk(@ForAll("payloads") List<byte[]> reads,
            @ForAll @IntRange(min = 1, max = 20) int maxChunk, @ForAll boolean roomy) throws FrameException {
        FrameCodec codec = FrameCodec.raw(maxChunk);
        List<byte[]> expected = new ArrayList<>();
        FrameDecoding d = decoding(codec, roomy);
        for (byte[] read : reads) {
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

    /**
     * Any bytes, read in any pieces: the decoder either delivers frames or fails with a FrameException, never
     * anything else; it never holds a whole maxFrameLength() of undelivered bytes; and what it delivers and
     * whether it fails does not depend on the read boundaries (checked against a model decoding it all at once).
     */
    @Property(tries = 1000)
    void garbageOnlyEverFailsWithFrameException(@ForAll("codecs") Codec c, @ForAll("garbage") byte[] input,
            @ForAll("readSizes") List<Integer> reads, @ForAll boolean roomy) {
        FrameCodec codec = c.create();
        FrameDecoding d = decoding(codec, roomy);
        try {
            feedInReads(d, input, reads);
        } catch (FrameException e) {
            assertThat(d.failure()).isSameAs(e);
        }
        // after each read that did not fail: what is left is the start of a frame, shorter than a whole one
        assertThat(d.maxHeld()).as("undelivered bytes held").isLessThan(codec.maxFrameLength());

        String outcome = c.kind() + (d.frames().isEmpty() ? " no frames" : " frames")
                + (d.failure() == null ? "" : " then " + d.failure().getClass().getSimpleName());
        Statistics.label("outcome").collect(outcome);
        Statistics.label("outcome").coverage(check -> {
            // the generator must keep producing frames before failures, not just early failures
            for (String s : List.of("LINES frames", "LINES frames then TooLong", "LENGTH_PREFIXED frames then TooLong",
                    "LENGTH_PREFIXED frames then FrameException", "RAW frames")) {
                check.check(s).percentage(p -> p > 0.2);
            }
        });

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

    @Provide
    Arbitrary<List<Line>> lines() {
        Arbitrary<Byte> lineByte = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.bytes()),
                Tuple.of(2, Arbitraries.just((byte) '\r')),
                Tuple.of(1, Arbitraries.of((byte) ':', (byte) ' ', (byte) 0)))
                .filter(b -> b != '\n');
        Arbitrary<byte[]> payload = lineByte.array(byte[].class).ofMaxSize(24);
        return Combinators.combine(payload, Arbitraries.of(true, false)).as(Line::new).list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<byte[]>> payloads() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(24).list().ofMaxSize(8);
    }

    /**
     * Sizes of successive reads, cycled until the input is used up; 0 is an empty read. An empty list, or one
     * of only zeros, means one read of everything.
     */
    @Provide
    Arbitrary<List<Integer>> readSizes() {
        Arbitrary<Integer> size = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0)),
                Tuple.of(6, Arbitraries.integers().between(1, 6)),
                Tuple.of(2, Arbitraries.integers().between(7, 100)));
        return size.list().ofMaxSize(10);
    }

    @Provide
    Arbitrary<Codec> codecs() {
        return Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(1, 12)).as(Codec::new);
    }

    /** Bytes with plenty of what the codecs care about: newlines, carriage returns, small and odd lengths, frames. */
    @Provide
    Arbitrary<byte[]> garbage() {
        Arbitrary<byte[]> token = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.bytes().map(b -> new byte[] {b})),
                Tuple.of(2, Arbitraries.of(new byte[] {'\n'}, new byte[] {'\r'}, new byte[] {'\r', '\n'})),
                Tuple.of(3, Arbitraries.integers().between(-2, 14).map(CodecPropertiesTest::int32)),
                Tuple.of(1, Arbitraries.integers().map(CodecPropertiesTest::int32)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(20)),
                // well-formed frames, so that garbage has frames in it too
                Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(12)
                        .map(p -> concat(List.of(int32(p.length), p)))),
                Tuple.of(2, Arbitraries.bytes().filter(b -> b != '\n').array(byte[].class).ofMaxSize(12)
                        .map(p -> concat(List.of(p, new byte[] {'\n'})))));
        return token.list().ofMaxSize(30).map(CodecPropertiesTest::concat);
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
