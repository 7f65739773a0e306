package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Message boundaries cost memory only while a queue is backlogged: a queue that keeps up records none, a
 * backlogged one records each message until the backlog is written, then gives the record back.
 */
class OutboundQueueBoundariesTest {
    private final ChunkPool pool = new ChunkPool(64, 1024);
    private final ByteBuffer[] iov = new ByteBuffer[64];
    private long epoch;

    private void queueMessage(OutboundQueue q, int length, boolean backlogged) {
        Chunk c = pool.take();
        c.writeIndex = length;
        q.append(c, 0, length, false);
        pool.release(c);
        q.endMessage(backlogged);
    }

    private void writeAll(OutboundQueue q) {
        while (!q.isEmpty()) {
            int n = q.gather(iov, ++epoch, Long.MAX_VALUE);
            long bytes = 0;
            for (int i = 0; i < n; i++) {
                bytes += iov[i].remaining();
            }
            q.consume(bytes, pool);
        }
    }

    @Test
    void aQueueThatKeepsUpRecordsNoBoundary() {
        OutboundQueue q = new OutboundQueue();
        for (int i = 0; i < 10_000; i++) {
            queueMessage(q, 10, false);
            if (i % 3 == 0) {
                writeAll(q);
            }
        }
        assertThat(q.recordedBoundaries()).isZero();
    }

    @Test
    void aBackloggedQueueRecordsUntilItsBacklogIsWritten() {
        OutboundQueue q = new OutboundQueue();
        queueMessage(q, 10, false);
        for (int i = 0; i < 100; i++) {
            queueMessage(q, 10, true);
        }
        queueMessage(q, 10, false); // still recorded: no gap between recorded boundaries
        assertThat(q.recordedBoundaries()).isEqualTo(101);
        assertThat(q.dropOldest(30, pool)).as("whole recorded messages dropped, newest kept").isEqualTo(99);
        assertThat(q.pending()).isEqualTo(30);
        writeAll(q);
        assertThat(q.recordedBoundaries()).isZero();
        queueMessage(q, 10, false);
        assertThat(q.recordedBoundaries()).isZero();
        writeAll(q);
        q.clear(pool);
        assertThat(pool.freeCount()).isEqualTo((int) pool.createdCount());
    }
}
