package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.FrameCodec;
import io.chatnio.FrameDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Encoding} with small chunks, for every built-in codec and one with both a header and a trailer:
 * what reaches the wire through a queue is header + payload + trailer, computed here independently of the
 * codec. Seeded; every assertion names its seed and round.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a broken queue may loop: fail, not hang
class EncodingTest {
    private static final int CHUNK = 16; // small: headers, payloads and trailers all cross chunk boundaries

    /** A 3-byte header (a marker and a 2-byte length) and a 2-byte trailer: both slots at once. */
    static final class HeaderAndTrailer implements FrameCodec {
        public FrameDecoder newDecoder() {
            throw new UnsupportedOperationException();
        }

        public int maxFrameLength() {
            return 1 << 16;
        }

        public int headerLength() {
            return 3;
        }

        public void writeHeader(ByteBuffer dst, int index, int payloadLength) {
            dst.put(index, (byte) 0xA5).putShort(index + 1, (short) payloadLength);
        }

        public byte[] trailer() {
            return new byte[] {(byte) 0xEE, (byte) 0xFF};
        }
    }

    private static final FrameCodec[] CODECS = {
        FrameCodec.lines(1 << 16), FrameCodec.lengthPrefixed(1 << 16), FrameCodec.raw(1 << 16), new HeaderAndTrailer()};

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 24);
    }

    /** What the frame must look like, from the codecs' documented formats, not from their code. */
    static byte[] frame(int codec, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(payload.length + 5);
        switch (codec) {
            case 0 -> b.put(payload).put((byte) '\n');
            case 1 -> b.putInt(payload.length).put(payload);
            case 2 -> b.put(payload);
            default -> b.put((byte) 0xA5).putShort((short) payload.length).put(payload).put((byte) 0xEE).put((byte) -1);
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    private ChunkPool pool;
    private Random r;
    private long epoch;

    private static byte[] random(Random r, int length) {
        byte[] b = new byte[length];
        r.nextBytes(b);
        return b;
    }

    /** The payload in random pieces through all three put variants, as Writer's put methods call them. */
    private void putInPieces(Encoding e, byte[] payload, String at) {
        for (int off = 0, n; off < payload.length; off += n) {
            int variant = r.nextInt(3);
            n = variant == 2 ? 1 : Math.min(payload.length - off, 1 + r.nextInt(2 * CHUNK));
            if (variant == 0) { // a buffer with other bytes around the piece, heap or direct: absolute reads only
                int pad = r.nextInt(5);
                int size = n + 2 * pad;
                ByteBuffer src = r.nextBoolean() ? ByteBuffer.allocate(size) : ByteBuffer.allocateDirect(size);
                src.put(random(r, pad)).put(payload, off, n).put(random(r, pad)).position(r.nextInt(pad + 1));
                int position = src.position();
                e.put(src, pad, n, pool);
                assertThat(src.position()).as("%s: the source buffer's position is not moved", at).isEqualTo(position);
            } else if (variant == 1) {
                e.put(payload, off, n, pool);
            } else {
                e.put(payload[off], pool);
            }
        }
    }

    /** A whole direct message, as Writer.beginDirect / put / send do it; returns its frame. */
    private byte[] sendDirect(Encoding e, OutboundQueue q, int codec, byte[] payload, String at) {
        Chunk first = begin(e, q, codec);
        int start = first.writeIndex;
        e.start(first);
        // the header slot is reserved in the first chunk, right where the queue's own chunk was free
        assertThat(e.first() == first && e.firstStart() == start && first.writeIndex == start + e.headerLength)
                .as("%s: start", at).isTrue();
        putInPieces(e, payload, at);
        e.seal(payload.length, pool);
        e.appendTo(q, false);
        e.handOver(q, pool);
        byte[] frame = frame(codec, payload);
        assertThat(e.encodedLength(payload.length)).as("%s: encoded length", at).isEqualTo(frame.length);
        return frame;
    }

    /** Writer.beginDirect: the queue's own chunk if the header and a byte fit, else a fresh one. */
    private Chunk begin(Encoding e, OutboundQueue q, int codec) {
        e.setCodec(CODECS[codec]);
        Chunk first = q.own;
        q.own = null;
        if (first == null || first.room() < e.headerLength + 1) {
            if (first != null) {
                pool.release(first);
            }
            first = pool.take();
        }
        return first;
    }

    /**
     * Direct messages of every codec, one after another in the queue's own chunks (so each is encoded right
     * after bytes already queued, which must not change), sometimes interleaved with a second writer's.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void directMessagesAreFramedOnTheWire(long seed) {
        r = new Random(seed);
        pool = new ChunkPool(CHUNK, 4096);
        OutboundQueue q = new OutboundQueue();
        Encoding e = new Encoding();
        Encoding other = new Encoding();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int round = 0; round < 400; round++) {
            String at = "seed " + seed + " round " + round;
            int codec = r.nextInt(CODECS.length);
            byte[] payload = random(r, r.nextInt(5 * CHUNK));
            if (r.nextInt(5) > 0) {
                expected.writeBytes(sendDirect(e, q, codec, payload, at));
            } else { // another writer's message is sent while this one is built: handOver then keeps its chunk
                Chunk first = begin(e, q, codec);
                e.start(first);
                putInPieces(e, payload, at);
                byte[] interleaved = random(r, r.nextInt(3 * CHUNK));
                expected.writeBytes(sendDirect(other, q, r.nextInt(CODECS.length), interleaved, at));
                e.seal(payload.length, pool);
                e.appendTo(q, false);
                Chunk own = q.own;
                e.handOver(q, pool);
                assertThat(q.own).as("%s: the interleaved message's chunk stays the queue's own", at).isSameAs(own);
                expected.writeBytes(frame(codec, payload));
            }
            if (r.nextInt(3) == 0) {
                assertThat(drain(q, at)).as("%s: wire bytes", at).isEqualTo(expected.toByteArray());
                expected.reset();
            }
        }
        assertThat(drain(q, "seed " + seed)).as("seed %d: wire bytes", seed).isEqualTo(expected.toByteArray());
        assertNoLeak("seed " + seed);
    }

    /**
     * Fan-outs as Writer.sendTo does them: the payload put once in one codec's encoding, re-encoded for each
     * other codec met with putPayloadOf (from any encoding of this message: header lengths differ), the
     * encodings shared by (or copied to) the queues of that codec; each encoding's last chunk stays its arena.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void fanoutsAreReencodedPerCodec(long seed) {
        r = new Random(seed);
        pool = new ChunkPool(CHUNK, 4096);
        Encoding[] encs = new Encoding[CODECS.length];
        for (int c = 0; c < encs.length; c++) {
            encs[c] = new Encoding();
            encs[c].setCodec(CODECS[c]);
        }
        int nq = 2 + r.nextInt(5);
        OutboundQueue[] qs = new OutboundQueue[nq];
        int[] codecOf = new int[nq];
        ByteArrayOutputStream[] expected = new ByteArrayOutputStream[nq];
        for (int i = 0; i < nq; i++) {
            qs[i] = new OutboundQueue();
            codecOf[i] = r.nextInt(CODECS.length);
            expected[i] = new ByteArrayOutputStream();
        }
        for (int round = 0; round < 300; round++) {
            String at = "seed " + seed + " round " + round;
            byte[] payload = random(r, r.nextInt(5 * CHUNK));
            List<Integer> encoded = new ArrayList<>(List.of(r.nextInt(CODECS.length)));
            Encoding primary = encs[encoded.get(0)];
            startInArena(primary, at);
            putInPieces(primary, payload, at);
            primary.seal(payload.length, pool);
            for (int i = 0; i < nq; i++) {
                if (r.nextInt(3) == 0) {
                    continue; // not a recipient this time
                }
                Encoding e = encs[codecOf[i]];
                if (!encoded.contains(codecOf[i])) { // first recipient of this codec: encode once more
                    Encoding src = encs[encoded.get(r.nextInt(encoded.size()))];
                    startInArena(e, at);
                    e.putPayloadOf(src, payload.length, pool);
                    e.seal(payload.length, pool);
                    encoded.add(codecOf[i]);
                }
                if (r.nextInt(4) == 0) {
                    e.copyTo(qs[i], pool); // what a queue with too many shared entries gets
                } else {
                    e.appendTo(qs[i], true);
                }
                expected[i].writeBytes(frame(codecOf[i], payload));
            }
            for (int c : encoded) { // sealed: the last chunk, with the message's end, is the next arena
                Encoding e = encs[c];
                Chunk first = e.first();
                int end = e.firstStart() + e.encodedLength(payload.length);
                e.finishFanout(pool);
                boolean oneChunk = end <= CHUNK;
                assertThat(oneChunk == (e.arena == first)).as("%s: arena of codec %d", at, c).isTrue();
                assertThat(e.arena.writeIndex).as("%s: arena end, codec %d", at, c)
                        .isEqualTo(oneChunk ? end : (end - CHUNK - 1) % CHUNK + 1);
            }
            int i = r.nextInt(nq);
            if (r.nextBoolean()) {
                assertThat(drain(qs[i], at)).as("%s: wire bytes of q%d", at, i).isEqualTo(expected[i].toByteArray());
                expected[i].reset();
            }
        }
        for (int i = 0; i < nq; i++) {
            assertThat(drain(qs[i], "seed " + seed)).as("seed %d: wire bytes of q%d", seed, i)
                    .isEqualTo(expected[i].toByteArray());
        }
        Arrays.stream(encs).forEach(e -> e.releaseArena(pool));
        assertNoLeak("seed " + seed);
    }

    /**
     * Unsent messages give their space back: a rolled-back direct message restores its first chunk's
     * writeIndex (and returns it to the queue as its own chunk, unless the queue has one or is closed); an
     * unsent fan-out keeps its last chunk as the arena, emptied. Nothing of either reaches the wire.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void unsentMessagesAreReclaimed(long seed) {
        r = new Random(seed);
        pool = new ChunkPool(CHUNK, 4096);
        OutboundQueue q = new OutboundQueue();
        Encoding e = new Encoding();
        Encoding fanout = new Encoding();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int round = 0; round < 300; round++) {
            String at = "seed " + seed + " round " + round;
            int codec = r.nextInt(CODECS.length);
            expected.writeBytes(sendDirect(e, q, r.nextInt(CODECS.length), random(r, r.nextInt(2 * CHUNK)), at));
            Chunk first = begin(e, q, codec);
            int start = first.writeIndex;
            e.start(first);
            putInPieces(e, random(r, r.nextInt(4 * CHUNK)), at);
            int variant = r.nextInt(3); // 0: plain, 1: another message gave the queue a chunk, 2: queue closed
            if (variant == 1) {
                expected.writeBytes(sendDirect(new Encoding(), q, codec, random(r, r.nextInt(CHUNK)), at));
            }
            Chunk own = q.own;
            e.rollBack(q, variant != 2, pool);
            // bytes from start on were this message's only: writable again (a chunk back in the pool is reset)
            assertThat(first.writeIndex).as("%s: writeIndex rolled back", at).isEqualTo(first.refs == 0 ? 0 : start);
            assertThat(q.own).as("%s: the queue's own chunk, variant %d", at, variant)
                    .isSameAs(variant == 0 ? first : own);

            fanout.setCodec(CODECS[codec]);
            startInArena(fanout, at);
            Chunk head = fanout.first();
            int from = fanout.firstStart();
            byte[] unsent = random(r, r.nextInt(3 * CHUNK));
            putInPieces(fanout, unsent, at);
            fanout.finishFanout(pool); // not sealed: no sendTo happened
            boolean oneChunk = from + fanout.headerLength + unsent.length <= CHUNK;
            assertThat(fanout.arena == head).as("%s: unsent fan-out's arena", at).isEqualTo(oneChunk);
            assertThat(fanout.arena.writeIndex).as("%s: arena emptied", at).isEqualTo(oneChunk ? from : 0);
            if (!oneChunk && head.refs > 0) {
                assertThat(head.writeIndex).as("%s: first chunk rolled back", at).isEqualTo(from);
            }
            if (r.nextBoolean()) { // and a sent one after it, from the space given back
                startInArena(fanout, at);
                byte[] payload = random(r, r.nextInt(3 * CHUNK));
                putInPieces(fanout, payload, at);
                fanout.seal(payload.length, pool);
                fanout.appendTo(q, true);
                fanout.finishFanout(pool);
                expected.writeBytes(frame(codec, payload));
            }
            if (r.nextInt(3) == 0) {
                assertThat(drain(q, at)).as("%s: wire bytes", at).isEqualTo(expected.toByteArray());
                expected.reset();
            }
        }
        assertThat(drain(q, "seed " + seed)).as("seed %d: wire bytes", seed).isEqualTo(expected.toByteArray());
        fanout.releaseArena(pool);
        assertNoLeak("seed " + seed);
    }

    /** startInArena: continues in the arena if the header and a byte fit, right after its last message. */
    private void startInArena(Encoding e, String at) {
        Chunk arena = e.arena;
        int free = arena == null ? 0 : arena.room();
        int end = arena == null ? 0 : arena.writeIndex;
        e.startInArena(pool);
        boolean continues = free >= e.headerLength + 1;
        assertThat(continues ? e.first() == arena && e.firstStart() == end : e.firstStart() == 0)
                .as("%s: start in arena (room %d, header %d)", at, free, e.headerLength).isTrue();
    }

    /** Writes the whole queue out (gathering, in pieces) and returns the bytes; every gather makes progress. */
    private byte[] drain(OutboundQueue q, String at) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        while (q.pending() > 0) {
            ByteBuffer[] iov = new ByteBuffer[1 + r.nextInt(4)];
            int before = wire.size();
            for (ByteBuffer b : Arrays.copyOf(iov, q.gather(iov, ++epoch, 1 + r.nextInt(4 * CHUNK)))) {
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                wire.writeBytes(bytes);
            }
            assertThat(wire.size()).as("%s: progress with %d pending", at, q.pending()).isGreaterThan(before);
            q.consume(wire.size() - before, pool);
        }
        q.releaseIfDrained(pool);
        return wire.toByteArray();
    }

    /** No leak: every chunk is back in the pool (refs 0), and none had its buf moved. */
    private void assertNoLeak(String at) {
        assertThat((long) pool.freeCount()).as("%s: every chunk back in the pool", at).isEqualTo(pool.createdCount());
        for (int i = pool.freeCount(); i > 0; i--) { // each one whole: buf never moved
            Chunk c = pool.take();
            assertThat(c.buf.position() == 0 && c.buf.limit() == CHUNK).as("%s: buf untouched", at).isTrue();
        }
    }
}
