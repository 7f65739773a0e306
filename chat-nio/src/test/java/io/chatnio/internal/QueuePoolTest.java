package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.Connection;
import io.chatnio.Reactor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A connection holds an outbound queue only while it has output; drained queues are reused through the pool. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QueuePoolTest {
    private final ChunkPool chunks = new ChunkPool(64, 16);

    @Test
    void aDrainedQueueGoesBackAndIsTakenAgain() {
        QueuePool pool = new QueuePool(2);
        OutboundQueue q = pool.take();
        for (int round = 0; round < 1000; round++) {
            Chunk c = chunks.take();
            c.writeIndex = 10;
            q.append(c, 0, 10, false);
            chunks.release(c); // the queue holds its own reference
            assertThat(q.releaseIfDrained(chunks)).as("round %d: not drained while queued", round).isFalse();
            q.consume(10, chunks);
            assertThat(q.releaseIfDrained(chunks)).as("round %d: drained", round).isTrue();
            pool.release(q);
            assertThat(pool.freeCount()).isEqualTo(1);
            assertThat(pool.take()).as("round %d: the same queue again", round).isSameAs(q);
        }
        assertThat(chunks.freeCount()).as("every chunk back").isEqualTo((int) chunks.createdCount());
    }

    @Test
    void thePoolKeepsAtMostItsCapacity() {
        QueuePool pool = new QueuePool(2);
        OutboundQueue a = pool.take();
        OutboundQueue b = pool.take();
        OutboundQueue c = pool.take();
        pool.release(a);
        pool.release(b);
        pool.release(c);
        assertThat(pool.freeCount()).isEqualTo(2);
        assertThat(pool.take()).isSameAs(b);
        assertThat(pool.take()).isSameAs(a);
        assertThat(pool.take()).as("empty: a new one").isNotIn(a, b, c);
    }

    @Test
    void aQueueThatGrewKeepsItsBytesInOrderAndShrinksWhenDrained() {
        OutboundQueue q = new OutboundQueue();
        Chunk[] held = new Chunk[OutboundQueue.INITIAL * 3];
        for (int i = 0; i < held.length; i++) { // distinct chunks: one entry each, so the ring must grow twice
            held[i] = chunks.take();
            held[i].buf.put(0, (byte) i);
            held[i].writeIndex = 1;
            q.append(held[i], 0, 1, false);
        }
        ByteBuffer[] iov = new ByteBuffer[held.length];
        int n = q.gather(iov, 7, Long.MAX_VALUE);
        assertThat(n).isEqualTo(held.length);
        for (int i = 0; i < n; i++) {
            assertThat(iov[i].get(iov[i].position())).as("entry %d after growing", i).isEqualTo((byte) i);
        }
        assertThat(q.isAsNew()).isFalse();
        q.consume(held.length, chunks);
        assertThat(q.releaseIfDrained(chunks)).isTrue();
        assertThat(q.isAsNew()).as("back to the initial capacity").isTrue();
        assertThat(q.gather(new ByteBuffer[4], 8, Long.MAX_VALUE)).as("an empty queue gathers nothing").isZero();
    }

    @Test
    void aConnectionWhoseOutputWasWrittenHoldsNoQueue() throws Exception {
        AtomicReference<Connection> server = new AtomicReference<>();
        Reactor reactor = Reactor.builder().handler((c, p) -> {
            server.set(c);
            c.send(p); // echo
        }).threadName("queue-pool-loop").daemon(true).start();
        try (reactor) {
            InetSocketAddress address = reactor.bind(new InetSocketAddress("127.0.0.1", 0));
            try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                for (int i = 0; i < 3; i++) {
                    out.write(("hello " + i + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    assertThat(in.readLine()).isEqualTo("hello " + i);
                    // the reply was read, so the flush that wrote it has run: the queue went back
                    CompletableFuture<Boolean> released = new CompletableFuture<>();
                    reactor.execute(() -> released.complete(((Conn) server.get()).out == null
                            && ((ReactorImpl) reactor).queues.freeCount() >= 1));
                    assertThat(released.get(10, TimeUnit.SECONDS)).as("round %d: queue given back", i).isTrue();
                }
            }
        }
    }
}
