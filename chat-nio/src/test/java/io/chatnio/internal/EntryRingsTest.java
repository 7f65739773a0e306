package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** An outbound queue holds entry arrays only while it has entries, and reuses them through the pool. */
class EntryRingsTest {
    private final ChunkPool chunks = new ChunkPool(64, 16);
    private final EntryRings rings = new EntryRings(2);

    @Test
    void aDrainedQueueGivesItsArraysBackAndTheNextMessageTakesThemAgain() {
        OutboundQueue q = new OutboundQueue(rings);
        for (int round = 0; round < 1000; round++) {
            Chunk c = chunks.take();
            c.writeIndex = 10;
            q.append(c, 0, 10, false);
            chunks.release(c); // the queue holds its own reference
            assertThat(rings.freeCount()).as("round %d: in use while queued", round).isZero();
            q.consume(10, chunks);
            q.releaseIfDrained(chunks);
            assertThat(rings.freeCount()).as("round %d: given back once drained", round).isEqualTo(1);
        }
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.gather(new java.nio.ByteBuffer[4], 1, Long.MAX_VALUE)).as("an idle queue gathers nothing").isZero();
    }

    @Test
    void aQueueThatGrewDropsItsLargerArraysAndKeepsItsBytesInOrder() {
        OutboundQueue q = new OutboundQueue(rings);
        Chunk[] held = new Chunk[EntryRings.CAPACITY * 3];
        for (int i = 0; i < held.length; i++) { // distinct chunks: one entry each, so the ring must grow twice
            held[i] = chunks.take();
            held[i].buf.put(0, (byte) i);
            held[i].writeIndex = 1;
            q.append(held[i], 0, 1, false);
        }
        assertThat(rings.freeCount()).as("the initial set went back when the ring grew").isEqualTo(1);
        java.nio.ByteBuffer[] iov = new java.nio.ByteBuffer[held.length];
        int n = q.gather(iov, 7, Long.MAX_VALUE);
        assertThat(n).isEqualTo(held.length);
        for (int i = 0; i < n; i++) {
            assertThat(iov[i].get(iov[i].position())).as("entry %d after growing", i).isEqualTo((byte) i);
        }
        q.consume(held.length, chunks);
        q.releaseIfDrained(chunks);
        assertThat(rings.freeCount()).as("a grown set is left to the collector").isEqualTo(1);
        q.append(held[0], 0, 1, false);
        assertThat(rings.freeCount()).as("the pooled set is reused").isZero();
    }
}
