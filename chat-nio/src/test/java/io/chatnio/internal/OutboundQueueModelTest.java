package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link OutboundQueue} driven by a simulated writer and socket against a model: per queue, the unwritten
 * messages (bytes, end recorded or not) and how much of the head is written. Seeded; assertions name the seed.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a broken queue may loop: fail, not hang
class OutboundQueueModelTest {
    private static final int CHUNK = 64; // small: messages of up to 3 chunks span chunk boundaries
    private static final int POOL_CAP = 4096;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 24);
    }

    /** A message the model still expects on the wire, and whether the queue recorded its end. */
    static final class Msg {
        final byte[] bytes;
        boolean endRecorded;

        Msg(byte[] bytes, boolean endRecorded) {
            this.bytes = bytes;
            this.endRecorded = endRecorded;
        }
    }

    static final class Model {
        final List<Msg> msgs = new ArrayList<>();
        int headWritten;

        long pending() {
            return msgs.stream().mapToLong(m -> m.bytes.length).sum() - headWritten;
        }

        /** Ends are recorded while backlogged, and while any recorded one is unwritten: none missing between. */
        void endMessage(byte[] bytes, boolean backlogged) {
            boolean record = backlogged || msgs.stream().anyMatch(m -> m.endRecorded);
            if (bytes.length > 0) { // an empty message changes nothing
                msgs.add(new Msg(bytes, record));
            }
        }

        /** The next n bytes of the stream, advancing it: what the socket must have received. */
        byte[] write(int n) {
            byte[] out = new byte[n];
            for (int done = 0, k; done < n; done += k) {
                Msg m = msgs.get(0);
                k = Math.min(n - done, m.bytes.length - headWritten);
                System.arraycopy(m.bytes, headWritten, out, done, k);
                headWritten += k;
                if (headWritten == m.bytes.length) { // fully written: the next one starts at its end
                    msgs.remove(0);
                    headWritten = 0;
                }
            }
            return out;
        }

        /**
         * dropOldest's contract: whole messages whose ends are recorded (they follow every unrecorded one),
         * oldest first, while above target; never the newest message, never one partly written. Returns the
         * number dropped.
         */
        int drop(long target) {
            long pending = pending();
            int i = 0;
            while (i < msgs.size() && !msgs.get(i).endRecorded) {
                i++;
            }
            if (i == 0 && headWritten > 0) {
                i++;
            }
            int dropped = 0;
            for (; i < msgs.size() - 1 && pending > target; dropped++) {
                pending -= msgs.remove(i).bytes.length;
            }
            return dropped;
        }
    }

    private final IdentityHashMap<Chunk, Boolean> seen = new IdentityHashMap<>();
    private final List<String> trace = new ArrayList<>();
    private final ChunkPool pool = new ChunkPool(CHUNK, POOL_CAP);
    private Random r;
    private long epoch;

    /** Distinctive bytes: a stray byte from another message or offset shows up in the stream comparison. */
    static byte[] message(int id, int length) {
        byte[] b = new byte[length];
        for (int j = 0; j < length; j++) {
            b[j] = (byte) (id * 71 + j * 13 + (j >> 4));
        }
        return b;
    }

    private Chunk take() {
        Chunk c = pool.take();
        seen.put(c, Boolean.TRUE);
        return c;
    }

    /**
     * Encodes like Writer (absolute puts at writeIndex) and appends the ranges: kind 0 direct to to[0] in its own
     * chunk, 1 a fan-out in the arena chunk, 2 one in fresh chunks (copied to a queue with many shared entries).
     */
    private void send(List<OutboundQueue> to, byte[] bytes, int kind, Chunk[] arena) {
        Chunk first = kind == 0 ? to.get(0).own : kind == 1 ? arena[0] : null;
        if (kind == 0) {
            to.get(0).own = null; // the reference passes to the message, as in Writer.beginDirect
        } else if (kind == 1) {
            arena[0] = null;
        }
        if (first == null || first.room() == 0) {
            if (first != null) {
                pool.release(first);
            }
            first = take();
        }
        int start = first.writeIndex;
        List<Chunk> held = new ArrayList<>(List.of(first));
        for (int off = 0, n; off < bytes.length; off += n) {
            Chunk c = held.get(held.size() - 1);
            if (c.room() == 0) {
                held.add(c = take());
            }
            n = Math.min(c.room(), bytes.length - off);
            c.buf.put(c.writeIndex, bytes, off, n);
            c.writeIndex += n;
        }
        for (OutboundQueue q : to) {
            boolean copy = kind != 0 && q.sharedEntries() >= OutboundQueue.MAX_SHARED_ENTRIES; // per message
            for (Chunk c : held) {
                if (copy) {
                    q.appendCopy(c.buf, c == first ? start : 0, c.writeIndex, pool);
                } else {
                    q.append(c, c == first ? start : 0, c.writeIndex, kind != 0);
                }
            }
        }
        Chunk last = held.remove(held.size() - 1); // kept as in Encoding.handOver / finishFanout
        if (kind == 0 && to.get(0).own == null) {
            to.get(0).own = last;
        } else if (kind == 1) {
            arena[0] = last;
        } else {
            pool.release(last);
        }
        held.forEach(pool::release);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void queuesMatchTheirModels(long seed) {
        r = new Random(seed);
        int nq = 1 + r.nextInt(6);
        OutboundQueue[] qs = new OutboundQueue[nq];
        Model[] models = new Model[nq];
        int lowMark = r.nextInt(400);
        for (int i = 0; i < nq; i++) {
            qs[i] = new OutboundQueue();
            models[i] = new Model();
        }
        Chunk[] arena = new Chunk[1];
        for (int step = 0; step < 2000; step++) {
            String at = "seed " + seed + " step " + step;
            int op = r.nextInt(100);
            int qi = r.nextInt(nq);
            OutboundQueue q = qs[qi];
            if (op < 40) { // one message, direct or fanned out to a random subset sharing one encoding
                int kind = r.nextInt(3);
                int length = r.nextInt(r.nextBoolean() ? CHUNK / 4 : 3 * CHUNK + 1); // small ones share entries
                byte[] bytes = message(step, length);
                List<Integer> to = new ArrayList<>();
                for (int i = 0; i < nq; i++) {
                    if (kind == 0 ? i == qi : r.nextBoolean()) {
                        to.add(i);
                    }
                }
                trace.add("send#" + step + "(" + bytes.length + " bytes, kind " + kind + ")->q" + to);
                send(to.stream().map(i -> qs[i]).toList(), bytes, kind, arena);
                for (int i : to) { // as FlowControl.queued: backlogged only if something is pending
                    boolean backlogged = qs[i].pending() > 0 && (r.nextInt(4) == 0 || qs[i].pending() > lowMark);
                    models[i].endMessage(bytes, backlogged);
                    qs[i].endMessage(backlogged);
                }
            } else if (op < 85) { // the socket takes some bytes
                writeSome(q, models[qi], at, qi);
            } else if (op < 98) { // DROP_OLDEST to a random target, often just below pending
                long pending = q.pending();
                long target = Math.max(0, pending - r.nextInt(r.nextBoolean() ? (int) pending + 1 : 24));
                int expected = models[qi].drop(target);
                int got = q.dropOldest(target, pool);
                trace.add("drop q" + qi + " to " + target + " -> " + got);
                assertThat(got).as(() -> at + ": messages dropped from q" + qi + trace()).isEqualTo(expected);
            } else { // the connection closed: all discarded; the next message starts at a known offset
                trace.add("clear q" + qi);
                q.clear(pool);
                models[qi] = new Model();
            }
            check(qs, models, at);
        }
        for (int i = 0; i < nq; i++) { // write everything: the rest of each stream must match too
            while (qs[i].pending() > 0) {
                writeSome(qs[i], models[i], "seed " + seed + " drain", i);
            }
            qs[i].releaseIfDrained(pool);
            assertThat(qs[i].own).as("seed %d: q%d keeps no chunk when drained", seed, i).isNull();
        }
        if (arena[0] != null) {
            pool.release(arena[0]);
        }
        check(qs, models, "seed " + seed + " end");
        assertNoLeak("seed " + seed);
        for (int i = pool.freeCount(); i > 0; i--) { // also the chunks appendCopy took internally
            ByteBuffer buf = pool.take().buf;
            assertThat(buf.position() == 0 && buf.limit() == CHUNK).as("seed %d: buf never moved", seed).isTrue();
        }
    }

    /** Gather with a fresh epoch, "write" a random prefix of the gathered bytes (a partial write), consume it. */
    private void writeSome(OutboundQueue q, Model m, String at, int qi) {
        ByteBuffer[] iov = new ByteBuffer[1 + r.nextInt(6)];
        long pending = q.pending();
        int count = q.gather(iov, ++epoch, 1 + r.nextInt(4 * CHUNK));
        assertThat(count > 0).as("%s: gather on q%d with %d pending", at, qi, pending).isEqualTo(pending > 0);
        long gathered = Arrays.stream(iov, 0, count).mapToLong(ByteBuffer::remaining).sum();
        assertThat(gathered).as("%s: gathered <= pending", at).isLessThanOrEqualTo(pending);
        assertThat(Arrays.stream(iov, 0, count).allMatch(ByteBuffer::hasRemaining)) // else a drain never ends
                .as(() -> at + ": an empty range gathered from q" + qi + trace()).isTrue();
        int limit = r.nextInt(3) == 0 ? (int) gathered : r.nextInt((int) gathered + 1);
        byte[] wire = new byte[limit];
        for (int k = 0, done = 0, n; k < count && done < limit; k++, done += n) {
            n = Math.min(iov[k].remaining(), limit - done);
            iov[k].get(wire, done, n);
        }
        q.consume(limit, pool);
        trace.add("write q" + qi + " " + limit + "/" + gathered);
        assertThat(wire).as(() -> at + ": bytes written from q" + qi + trace()).isEqualTo(m.write(limit));
        if (q.isEmpty() && r.nextBoolean()) {
            q.releaseIfDrained(pool);
        }
    }

    private void check(OutboundQueue[] qs, Model[] models, String at) {
        for (int j = 0; j < qs.length; j++) {
            int i = j;
            assertThat(qs[i].pending()).as(() -> at + ": pending of q" + i + trace()).isEqualTo(models[i].pending());
            // a boundary is kept exactly while its message is unwritten: the memory bound of a backlog
            long recorded = models[i].msgs.stream().filter(x -> x.endRecorded).count();
            assertThat((long) qs[i].recordedBoundaries()).as(() -> at + ": boundaries of q" + i + trace())
                    .isEqualTo(recorded);
            assertThat(qs[i].sharedEntries() == 0 || !qs[i].isEmpty()).as("%s: shared entries of q%d", at, i).isTrue();
        }
        for (Chunk c : seen.keySet()) { // nobody positions buf: only gather positions, and only the view
            if (c.buf.position() != 0 || c.buf.limit() != c.buf.capacity() || c.refs < 0) {
                assertThat(c.buf + " refs " + c.refs).as(() -> at + ": a chunk" + trace())
                        .isEqualTo(c.buf.duplicate().clear() + " refs >= 0");
            }
        }
    }

    private String trace() {
        return "\n  last ops: " + String.join(", ", trace.subList(Math.max(0, trace.size() - 16), trace.size()));
    }

    /** No leak, no double release: every chunk came back to the pool exactly once, within its cap. */
    private void assertNoLeak(String at) {
        seen.keySet().forEach(c -> assertThat(c.refs).as("%s: refs of a chunk", at).isZero());
        assertThat(pool.createdCount()).as("%s: within the pool cap", at).isLessThanOrEqualTo(POOL_CAP);
        assertThat((long) pool.freeCount()).as("%s: free == created", at).isEqualTo(pool.createdCount());
    }

    /** Writes the whole queue out; every gather must make progress. */
    private byte[] drain(OutboundQueue q, String at) {
        ByteBuffer wire = ByteBuffer.allocate((int) q.pending());
        while (q.pending() > 0) {
            ByteBuffer[] iov = new ByteBuffer[8];
            int before = wire.position();
            Arrays.stream(iov, 0, q.gather(iov, ++epoch, Long.MAX_VALUE)).forEach(wire::put);
            assertThat(wire.position()).as("%s: progress with %d pending", at, q.pending()).isGreaterThan(before);
            q.consume(wire.position() - before, pool);
        }
        return wire.array();
    }

    private static byte[] concat(List<byte[]> parts, int skip) {
        ByteBuffer b = ByteBuffer.allocate(parts.stream().mapToInt(x -> x.length).sum());
        parts.forEach(b::put);
        return Arrays.copyOfRange(b.array(), skip, b.capacity());
    }

    /**
     * Drops at every position: N recorded messages (own, arena or fresh chunks: cuts inside entries, on their
     * edges, across them), the head's start unknown, known or partly written, every target up to pending.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void dropsExactlyTheOldestDroppableMessagesAtEveryTarget(long seed) {
        Random layouts = new Random(seed);
        for (int n = 1; n <= 8; n++) {
            for (int head = 0; head < 3; head++) { // 0: after an unrecorded end, 1: after a recorded one, 2: partly written
                long layout = layouts.nextLong();
                for (long target = 0, max = 0; target <= max; target++) { // max: pending before the drop
                    Random b = new Random(layout); // the same queue, rebuilt for each target
                    OutboundQueue q = new OutboundQueue();
                    Chunk[] arena = new Chunk[1];
                    byte[] prefix = message(1000, 1 + b.nextInt(CHUNK)); // written: where writing stands
                    send(List.of(q), prefix, b.nextInt(3), arena);
                    q.endMessage(head != 0);
                    q.consume(prefix.length, pool);
                    List<byte[]> left = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        left.add(message(i, (i == 0 && head == 2 ? 2 : 1) + b.nextInt(b.nextBoolean() ? 16 : 100)));
                        send(List.of(q), left.get(i), b.nextInt(3), arena);
                        q.endMessage(true);
                    }
                    int written = head == 2 ? 1 + b.nextInt(left.get(0).length - 1) : 0;
                    q.consume(written, pool);
                    long p = max = q.pending();
                    String at = "seed " + seed + " n " + n + " head " + head + " target " + target;
                    int dropped = 0; // from message 0 unless writing began it; never the newest
                    for (int i = head == 2 ? 1 : 0; i < n - 1 && p > target; i++, dropped++) {
                        p -= left.remove(head == 2 ? 1 : 0).length;
                    }
                    assertThat(q.dropOldest(target, pool)).as("%s: dropped", at).isEqualTo(dropped);
                    assertThat(q.pending()).as("%s: pending", at).isEqualTo(p);
                    assertThat(drain(q, at)).as("%s: bytes", at).isEqualTo(concat(left, written));
                    q.releaseIfDrained(pool);
                    if (arena[0] != null) {
                        pool.release(arena[0]);
                    }
                    assertNoLeak(at);
                }
            }
        }
    }

    /** A cut inside one entry when the entry ring is full (8, then 16): the split must grow the ring first. */
    @ParameterizedTest
    @MethodSource("seeds")
    void splitsAnEntryWhenTheRingIsFull(long seed) {
        OutboundQueue q = new OutboundQueue();
        List<byte[]> msgs = new ArrayList<>();
        for (int i = 0; i < 2 + seed; i++) { // 0, 1 and 2 in one own-chunk entry, then one entry each
            msgs.add(message(i, i < 3 ? 10 : 1));
            send(List.of(q), msgs.get(i), i < 3 ? 0 : 2, null);
            q.endMessage(true);
        }
        // message 0 is partly written, so message 1 goes: [10, 20) cut out of the entry [1, 30)
        q.consume(1, pool);
        assertThat(q.dropOldest(q.pending() - 1, pool)).as("seed %d: dropped", seed).isEqualTo(1);
        msgs.remove(1);
        assertThat(drain(q, "seed " + seed)).as("seed %d: bytes", seed).isEqualTo(concat(msgs, 1));
        q.releaseIfDrained(pool);
        assertNoLeak("seed " + seed);
    }

    /**
     * A message queued below the low watermark is not recorded, and so never dropped; the count is exactly the
     * recorded messages dropped (it once counted an unrecorded message and the next recorded one as one).
     */
    @Test
    void countsExactlyTheMessagesItDrops() {
        OutboundQueue q = new OutboundQueue();
        for (int i = 0; i < 4; i++) {
            send(List.of(q), message(i, 10), 0, null);
            q.endMessage(i != 1); // 0 backlogged, 1 below the low watermark, 2 and 3 backlogged
            q.consume(i == 0 ? 10 : 0, pool); // 0 written
        }
        assertThat(q.dropOldest(0, pool)).as("message 2 dropped; 1 unrecorded, 3 the newest").isEqualTo(1);
        assertThat(q.pending()).isEqualTo(20);
        q.clear(pool);
        q.releaseIfDrained(pool);
    }
}
