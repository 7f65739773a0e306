package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.awaitRegistrySize;
import static io.chatnio.FlowTestSupport.directByAddress;
import static io.chatnio.FlowTestSupport.pendingTo;
import static io.chatnio.FlowTestSupport.percentile;
import static io.chatnio.FlowTestSupport.to;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One reader that never reads, four senders blasting 1 KiB lines at it, default settings (PAUSE_SENDER,
 * watermarks 128/256 KiB, 64 KiB read buffer, 16 KiB chunks). The server's memory for connection data must stay
 * bounded while a ping-pong pair keeps a low round-trip latency through the same loop.
 *
 * <p><b>Bound.</b> Sampled every 20 ms, {@code stats().pendingOutboundBytes() + bufferedInboundBytes()} stays at
 * or below {@code connections × (high watermark + read buffer + chunk)} = 7 × (256 KiB + 68 KiB + 16 KiB)
 * ≈ 2.3 MiB, where the read buffer is the reactor's (64 KiB raised to the largest line plus 4 KiB). What actually
 * happens is far less: the reader's queue stops at the high watermark plus one line per sender, and each paused
 * sender holds at most one read buffer of undelivered bytes. The reader's own queue is checked against that
 * tighter bound: {@code high watermark + 4 × (1 KiB line + 1 KiB)}.
 *
 * <p><b>Latency.</b> Round trips P → server → Q → server → P are measured for the whole run; p99 must stay under
 * 200 ms (a loaded 2-core machine). Run time: {@code -Dchatnio.slowReader.seconds} (default 8, at most 10).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowReaderMemoryTest {
    private static final int SENDERS = 4;
    private static final int LINE = 1024;
    private static final int HIGH = 256 * 1024;
    private static final int READ_BUFFER = Math.max(64 * 1024, 64 * 1024 + 2 + 4096);
    private static final int CHUNK = 16 * 1024;

    private final FlowTestSupport support = new FlowTestSupport();

    @AfterEach
    void tearDown() throws Exception {
        support.close();
    }

    @Test
    void aReaderThatNeverReadsCostsBoundedMemoryAndOthersStayFast() throws Exception {
        int seconds = FlowTestSupport.intProperty("chatnio.slowReader.seconds", 8, 1, 10);
        Reactor reactor = support.start(Reactor.builder().router(directByAddress()), "slowreader-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient reader = support.connect(address, 4096);
        List<TestClient> senders = new ArrayList<>();
        for (int i = 0; i < SENDERS; i++) {
            senders.add(support.connect(address));
        }
        TestClient p = support.connect(address);
        TestClient q = support.connect(address);
        int connections = 1 + SENDERS + 2;
        awaitRegistrySize(reactor, connections);
        long bound = (long) connections * (HIGH + READ_BUFFER + CHUNK);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong linesWritten = new AtomicLong();
        List<CompletableFuture<Void>> blasting = new ArrayList<>();
        for (TestClient s : senders) {
            blasting.add(CompletableFuture.runAsync(() -> blast(s, to(reader), stop, linesWritten), daemon("sender")));
        }
        List<Long> rtts = new ArrayList<>();
        CompletableFuture<Void> pingPong = CompletableFuture.runAsync(() -> pingPong(p, q, stop, rtts), daemon("ping"));

        long maxTotal = 0;
        long maxReaderQueue = 0;
        long maxHeap = 0;
        int samples = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        var memory = ManagementFactory.getMemoryMXBean();
        while (System.nanoTime() < end) {
            ReactorStats stats = reactor.stats();
            maxTotal = Math.max(maxTotal, stats.pendingOutboundBytes() + stats.bufferedInboundBytes());
            maxReaderQueue = Math.max(maxReaderQueue, pendingTo(reactor, reader.localAddress()));
            maxHeap = Math.max(maxHeap, memory.getHeapMemoryUsage().getUsed());
            samples++;
            assertThat(pingPong).as("ping-pong failed").isNotCompletedExceptionally();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // the sampling period
        }
        stop.set(true);
        for (TestClient s : senders) {
            FlowTestSupport.reset(s.socket); // they are stuck in write(): the reset ends them
        }
        for (CompletableFuture<Void> f : blasting) {
            f.get(10, TimeUnit.SECONDS);
        }
        pingPong.get(10, TimeUnit.SECONDS);

        long[] sorted;
        synchronized (rtts) {
            sorted = rtts.stream().mapToLong(Long::longValue).toArray();
        }
        Arrays.sort(sorted);
        long p50 = percentile(sorted, 50);
        long p99 = percentile(sorted, 99);
        ReactorStats stats = reactor.stats();
        System.out.printf("[slow reader] %d s, %d samples: max pending+buffered %d B (bound %d B), max reader queue"
                        + " %d B, max heap used %d MiB; senders wrote %d lines, server read %d; ping-pong %d round"
                        + " trips, p50 %.3f ms, p99 %.3f ms, max %.3f ms; longest loop pass %.3f ms%n",
                seconds, samples, maxTotal, bound, maxReaderQueue, maxHeap >> 20, linesWritten.get(),
                stats.messagesIn() - sorted.length * 2L, sorted.length, p50 / 1e6, p99 / 1e6,
                sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6, stats.longestPassNanos() / 1e6);

        assertThat(maxTotal).isLessThanOrEqualTo(bound);
        assertThat(maxReaderQueue).isLessThanOrEqualTo(HIGH + SENDERS * (LINE + 1024L));
        assertThat(sorted.length).as("round trips").isGreaterThan(50);
        assertThat(p99).as("p99 round trip, ns").isLessThan(TimeUnit.MILLISECONDS.toNanos(200));

        // The reset senders are still paused, so the server has not read their resets yet (a paused connection
        // is not watched for input). Once the reader goes too, they resume, see the resets and are closed.
        assertThat(reactor.stats().connectionsOpen()).isEqualTo(connections);
        FlowTestSupport.reset(reader.socket);
        awaitRegistrySize(reactor, 2);
        ReactorStats after = reactor.stats();
        assertThat(after.pendingOutboundBytes() + after.bufferedInboundBytes()).isZero();
        p.writeLine(to(q) + "after");
        assertThat(q.readLine()).isEqualTo("after");
    }

    private static java.util.concurrent.Executor daemon(String name) {
        return task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            t.start();
        };
    }

    /** Writes 1 KiB lines to the reader until stopped (then the reset makes write() fail). */
    private static void blast(TestClient sender, String prefix, AtomicBoolean stop, AtomicLong written) {
        StringBuilder sb = new StringBuilder(prefix).append("from ").append(sender.localAddress().getPort()).append(' ');
        while (sb.length() < LINE - 1) {
            sb.append('x');
        }
        byte[] line = sb.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
        try {
            while (!stop.get()) {
                sender.write(line);
                written.incrementAndGet();
            }
        } catch (Exception e) {
            if (!stop.get()) {
                throw new RuntimeException("sender failed before the end", e);
            }
        }
    }

    /** P sends to Q, Q answers P; each full round trip through the server is timed. */
    private static void pingPong(TestClient p, TestClient q, AtomicBoolean stop, List<Long> rtts) {
        try {
            for (int i = 0; !stop.get(); i++) {
                long start = System.nanoTime();
                p.writeLine(to(q) + "ping " + i);
                assertThat(q.readLine()).isEqualTo("ping " + i);
                q.writeLine(to(p) + "pong " + i);
                assertThat(p.readLine()).isEqualTo("pong " + i);
                long rtt = System.nanoTime() - start;
                synchronized (rtts) {
                    rtts.add(rtt);
                }
            }
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
