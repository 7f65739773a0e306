package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.awaitRegistrySize;
import static io.chatnio.FlowTestSupport.directByAddress;
import static io.chatnio.FlowTestSupport.registered;
import static io.chatnio.FlowTestSupport.to;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.FlowPeers.Checker;
import io.chatnio.FlowPeers.Writer;
import io.chatnio.FlowTestSupport.RoutingHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded soak: well-behaved pairs exchange numbered lines in both directions while, through the same loop, a
 * flood of tiny lines runs, a recipient never reads what a feeder keeps sending it, and hostile clients come and
 * go: random garbage, over-long lines, resets mid-stream and mid-frame, and reconnects. The well-behaved streams
 * must lose nothing and keep order; at the end only they are left, and the loop still serves a newcomer.
 *
 * <p>{@code -Dchatnio.soak.seconds} (default 20, at most 60); {@code -Dchatnio.soak.seed} replays a run.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SoakTest {
    private static final int MAX_LINE = 8192;
    private static final int LOW = 16 * 1024;
    private static final int HIGH = 64 * 1024;
    private static final int PAIRS = 3;

    private final FlowTestSupport support = new FlowTestSupport();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "soak-peer");
        t.setDaemon(true);
        return t;
    });
    /** Anything an actor saw that it should not have. */
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

    @AfterEach
    void tearDown() throws Exception {
        support.close();
        threads.shutdownNow();
    }

    @Test
    void mixedTrafficLosesNothingAmongWellBehavedClientsAndTheLoopSurvives() throws Exception {
        int seconds = FlowTestSupport.intProperty("chatnio.soak.seconds", 20, 1, 60);
        long seed = FlowTestSupport.seed("chatnio.soak.seed");
        RoutingHandler handler = new RoutingHandler(directByAddress());
        Reactor reactor = support.start(Reactor.builder().handler(handler)
                .codec(FrameCodec.lines(MAX_LINE))
                .writeBufferWatermarks(LOW, HIGH), "soak-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);

        // Well-behaved: pairs in both directions (1, 4 and 16 lines per write) and a flood of 256-line writes.
        List<Writer> writers = new ArrayList<>();
        List<Checker> checkers = new ArrayList<>();
        for (int p = 0; p < PAIRS; p++) {
            TestClient a = support.connect(address);
            TestClient b = support.connect(address);
            int batch = 1 << (2 * p);
            writers.add(new Writer(a, to(b), "p" + p + "ab", batch));
            writers.add(new Writer(b, to(a), "p" + p + "ba", batch));
            checkers.add(new Checker(b, "p" + p + "ab"));
            checkers.add(new Checker(a, "p" + p + "ba"));
        }
        TestClient flooder = support.connect(address);
        TestClient floodSink = support.connect(address);
        writers.add(new Writer(flooder, to(floodSink), "flood", 256));
        checkers.add(new Checker(floodSink, "flood"));
        int wellBehaved = 2 * PAIRS + 2;
        awaitRegistrySize(reactor, wellBehaved);

        // The recipient that never reads, and its feeder, paused for good once the queue is full.
        TestClient nonReader = support.connect(address, 4096);
        TestClient feeder = support.connect(address);
        await("non-reader and feeder registered", () -> registered(reactor, nonReader) && registered(reactor, feeder));

        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Checker c : checkers) {
            threads.execute(c);
        }
        for (Writer w : writers) {
            threads.execute(w);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong fed = new AtomicLong();
        Future<?> feeding = threads.submit(() -> feed(feeder, to(nonReader), stop, fed));
        AtomicInteger garbageConnections = new AtomicInteger();
        AtomicInteger overLong = new AtomicInteger();
        AtomicInteger churned = new AtomicInteger();
        List<Future<?>> actors = List.of(
                threads.submit(() -> garbage(address, new Random(seed), end, garbageConnections)),
                threads.submit(() -> overLong(address, end, seconds, overLong)),
                threads.submit(() -> churn(address, new Random(seed ^ 0x5DEECE66DL), end, to(nonReader), churned)));

        // Sample the server while it runs; fail early if a well-behaved stream broke.
        long maxHeld = 0;
        long maxOpen = 0;
        long samples = 0;
        while (System.nanoTime() < end) {
            ReactorStats s = reactor.stats();
            maxHeld = Math.max(maxHeld, s.pendingOutboundBytes() + s.bufferedInboundBytes());
            maxOpen = Math.max(maxOpen, s.connectionsOpen());
            samples++;
            for (Checker c : checkers) {
                assertThat(c.problems).as("stream %s", c.expected).isEmpty();
            }
            assertThat(problems).isEmpty();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // the sampling period
        }

        // Wind down: the actors stop at the deadline, the writers now, and every stream must be complete.
        for (Future<?> a : actors) {
            a.get(30, TimeUnit.SECONDS);
        }
        for (Writer w : writers) {
            w.stop.set(true);
        }
        for (Checker c : checkers) {
            await(c.expected + " complete", Duration.ofSeconds(20), () -> c.ended.get() || !c.problems.isEmpty());
        }
        long lines = 0;
        for (int i = 0; i < writers.size(); i++) {
            Writer w = writers.get(i);
            Checker c = checkers.get(i);
            assertThat(w.error).as("writer %s", w.stream).isNull();
            assertThat(c.problems).as("stream %s", c.expected).isEmpty();
            assertThat(c.received.get()).as("lines of %s", w.stream).isEqualTo(w.sent.get()).isPositive();
            lines += c.received.get();
        }
        assertThat(problems).isEmpty();

        // The non-reader and its feeder leave with resets; the server forgets them and every hostile client.
        stop.set(true);
        FlowTestSupport.reset(nonReader.socket);
        FlowTestSupport.reset(feeder.socket);
        feeding.get(10, TimeUnit.SECONDS);
        awaitRegistrySize(reactor, wellBehaved);
        await("nothing held for the departed", () -> {
            ReactorStats s = reactor.stats();
            return s.pendingOutboundBytes() == 0 && s.bufferedInboundBytes() == 0;
        });

        ReactorStats stats = reactor.stats();
        System.out.printf("[soak] seed %d, %d s: %d well-behaved lines delivered in order; %d garbage connections,"
                        + " %d over-long lines, %d churned connections, %d KiB fed to the non-reader; max %d"
                        + " connections open, max %d KiB pending+buffered over %d samples; %s%n",
                seed, seconds, lines, garbageConnections.get(), overLong.get(), churned.get(), fed.get(), maxOpen,
                maxHeld / 1024, samples, stats);
        assertThat(stats.protocolErrors()).as("each over-long line closed its sender").isGreaterThanOrEqualTo(overLong.get());
        assertThat(overLong.get()).isPositive();
        assertThat(garbageConnections.get()).isPositive();
        assertThat(churned.get()).isPositive();
        // a generous ceiling: connection data stays within tens of connections' watermarks and read buffers
        assertThat(maxHeld).isLessThan(maxOpen * (HIGH + 64 * 1024 + 16 * 1024) + (8L << 20));

        // The loop is alive: counters move and a newcomer gets a round trip.
        assertThat(reactor.isTerminated()).isFalse();
        TestClient fresh = support.connect(address);
        fresh.writeLine(to(fresh) + "still serving");
        assertThat(fresh.readLine()).isEqualTo("still serving");
        assertThat(reactor.stats().loopPasses()).isGreaterThan(stats.loopPasses());
    }

    /** Sends 1 KiB lines to the non-reader until stopped; blocks for good once the server pauses it. */
    private void feed(TestClient feeder, String prefix, AtomicBoolean stop, AtomicLong fedKiB) {
        byte[] line = (prefix + "f".repeat(1023 - prefix.length()) + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            while (!stop.get()) {
                feeder.write(line);
                fedKiB.incrementAndGet();
            }
        } catch (IOException e) {
            if (!stop.get()) {
                problems.add("feeder failed before the end: " + e);
            }
        }
    }

    /**
     * Connects again and again and writes random bytes (no ':', so nothing is ever routed to anyone), then a
     * self-addressed marker: every reply before it must be an error line. A random run without a newline may
     * exceed the line limit, which closes the connection: then it reconnects.
     */
    private void garbage(InetSocketAddress address, Random random, long end, AtomicInteger connections) {
        for (int n = 0; n < 100_000 && System.nanoTime() < end; n++) {
            try (TestClient g = new TestClient(address)) {
                connections.incrementAndGet();
                int chunks = 1 + random.nextInt(20);
                for (int i = 0; i < chunks; i++) {
                    byte[] junk = new byte[1 + random.nextInt(2000)];
                    random.nextBytes(junk);
                    for (int k = 0; k < junk.length; k++) {
                        if (junk[k] == ':') {
                            junk[k] = ';';
                        }
                    }
                    g.write(junk);
                }
                if (random.nextInt(3) == 0) {
                    FlowTestSupport.reset(g.socket); // leave mid-line, replies unread
                    continue;
                }
                g.write(("\n" + to(g) + "marker " + n + "\n").getBytes(StandardCharsets.US_ASCII));
                String line;
                while ((line = g.readLine()) != null && !line.equals("marker " + n)) {
                    if (!line.startsWith("ERR ")) {
                        problems.add("garbage client got a non-error reply: " + line);
                    }
                }
                // null: a run of garbage exceeded the line limit and the server closed the connection
            } catch (IOException e) {
                // closed by the server (over-long garbage) while writing: reconnect
            }
            pace(end, n);
        }
    }

    /** Connects, proves it is served, then sends a line longer than the limit: the server must close it. */
    private void overLong(InetSocketAddress address, long end, int seconds, AtomicInteger count) {
        byte[] tooLong = "L".repeat(MAX_LINE + 1000).getBytes(StandardCharsets.US_ASCII);
        for (int n = 0; n < 100 * seconds && System.nanoTime() < end; n++) {
            try (TestClient c = new TestClient(address)) {
                c.writeLine(to(c) + "hi");
                if (!"hi".equals(c.readLine())) {
                    problems.add("over-long client: no round trip before the long line");
                }
                c.write(tooLong);
                if (!c.awaitClosed()) {
                    problems.add("over-long line did not close the connection");
                }
                count.incrementAndGet();
            } catch (IOException e) {
                count.incrementAndGet(); // closed while the long line was still being written
            }
            pace(end, n);
        }
    }

    /** Short-lived clients that leave with a reset: after a round trip, owed a queue, mid-frame, or paused. */
    private void churn(InetSocketAddress address, Random random, long end, String toNonReader, AtomicInteger count) {
        for (int n = 0; n < 100_000 && System.nanoTime() < end; n++) {
            TestClient c = null;
            try {
                c = new TestClient(address, random.nextBoolean() ? 4096 : 0);
                count.incrementAndGet();
                switch (random.nextInt(5)) {
                    case 0 -> { // a few round trips
                        for (int i = 0; i < 3; i++) {
                            c.writeLine(to(c) + "echo " + i);
                            if (!("echo " + i).equals(c.readLine())) {
                                problems.add("churn client: lost its own echo");
                            }
                        }
                    }
                    case 1 -> { // owed about 20 KB it never reads
                        StringBuilder sb = new StringBuilder();
                        for (int i = 0; i < 40; i++) {
                            sb.append(to(c)).append("x".repeat(500)).append('\n');
                        }
                        c.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
                    }
                    case 2 -> c.write((to(c) + "half a line").getBytes(StandardCharsets.US_ASCII));
                    case 3 -> c.writeLine(toNonReader + "one for the non-reader"); // likely paused at once
                    default -> { } // connect and vanish
                }
            } catch (IOException e) {
                problems.add("churn client failed: " + e);
            } finally {
                if (c != null) {
                    FlowTestSupport.reset(c.socket);
                }
            }
            pace(end, n);
        }
    }

    /** Spreads an actor's iterations: at most one every 2 ms, so it shares the machine with the streams. */
    private static void pace(long end, int n) {
        long wait = Math.min(TimeUnit.MILLISECONDS.toNanos(2), end - System.nanoTime());
        if (wait > 0) {
            LockSupport.parkNanos(wait); // load shaping, not synchronization
        }
    }
}
