package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.awaitRegistrySize;
import static io.chatnio.FlowTestSupport.directByAddress;
import static io.chatnio.FlowTestSupport.pendingTo;
import static io.chatnio.FlowTestSupport.registered;
import static io.chatnio.FlowTestSupport.to;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.FlowPeers.Checker;
import io.chatnio.FlowPeers.Writer;
import io.chatnio.FlowTestSupport.RoutingHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients killed with a TCP reset mid-stream, while the server holds messages for them and while they are
 * sending, as three well-behaved pairs exchange numbered lines through the same loop: the pairs lose nothing
 * and keep order, the victims' partial frames never reach anyone, and the loop forgets every victim.
 * Randomized with a printed seed ({@code -Dchatnio.abrupt.seed=N} to replay).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AbruptTest {
    private static final int LOW = 8 * 1024;
    private static final int HIGH = 32 * 1024;
    private static final int PAIRS = 3;
    private static final int ROUNDS = 30;

    private final FlowTestSupport support = new FlowTestSupport();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "abrupt-peer");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void tearDown() throws Exception {
        support.close();
        threads.shutdownNow();
    }

    /** Lines of victim rounds seen by the sink, by round: each must be a gap-free prefix 0, 1, 2, ... */
    private static final class Sink implements Runnable {
        final TestClient client;
        final Map<Integer, AtomicInteger> counts = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        final AtomicBoolean done = new AtomicBoolean();

        Sink(TestClient client) {
            this.client = client;
        }

        AtomicInteger count(int round) {
            return counts.computeIfAbsent(round, r -> new AtomicInteger());
        }

        @Override
        public void run() {
            try {
                String line;
                while ((line = client.readLine()) != null && !done.get()) {
                    if (line.equals("sink marker")) {
                        done.set(true);
                        return;
                    }
                    // "v<round> <seq>" from a victim
                    String[] parts = line.split(" ");
                    if (parts.length != 2 || !parts[0].startsWith("v")) {
                        problems.add("unexpected line at the sink: " + line);
                        continue;
                    }
                    int round = Integer.parseInt(parts[0].substring(1));
                    int seq = Integer.parseInt(parts[1]);
                    AtomicInteger c = count(round);
                    if (seq != c.get()) {
                        problems.add("round " + round + ": expected line " + c.get() + ", got " + seq);
                    }
                    c.incrementAndGet();
                }
            } catch (Throwable t) {
                if (!done.get()) {
                    problems.add("sink read failed: " + t);
                }
            }
        }
    }

    @Test
    void resetsMidStreamCostTheSurvivorsNothing() throws Exception {
        long seed = FlowTestSupport.seed("chatnio.abrupt.seed");
        Random random = new Random(seed);
        RoutingHandler handler = new RoutingHandler(directByAddress());
        Reactor reactor = support.start(Reactor.builder().handler(handler)
                .writeBufferWatermarks(LOW, HIGH), "abrupt-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);

        // The survivors: pairs writing to each other in both directions, each direction checked line by line.
        List<Writer> writers = new ArrayList<>();
        List<Checker> checkers = new ArrayList<>();
        List<TestClient> survivors = new ArrayList<>();
        for (int p = 0; p < PAIRS; p++) {
            TestClient a = support.connect(address);
            TestClient b = support.connect(address);
            survivors.add(a);
            survivors.add(b);
            writers.add(new Writer(a, to(b), "p" + p + "ab", 1 + p * 3));
            writers.add(new Writer(b, to(a), "p" + p + "ba", 1 + p * 5));
            checkers.add(new Checker(b, "p" + p + "ab"));
            checkers.add(new Checker(a, "p" + p + "ba"));
        }
        // The hammer sends to victims that do not read; the sink receives from victims that do.
        TestClient hammer = support.connect(address);
        TestClient sinkClient = support.connect(address);
        Sink sink = new Sink(sinkClient);
        ConcurrentLinkedQueue<String> hammerInput = new ConcurrentLinkedQueue<>();
        awaitRegistrySize(reactor, 2 * PAIRS + 2);
        for (Checker c : checkers) {
            threads.execute(c);
        }
        for (Writer w : writers) {
            threads.execute(w);
        }
        threads.execute(sink);
        AtomicBoolean hammerDone = new AtomicBoolean();
        Future<?> hammerReader = threads.submit(() -> {
            try {
                String line;
                while ((line = hammer.readLine()) != null && !line.equals("hammer marker")) {
                    if (!line.equals("offline")) {
                        hammerInput.add(line);
                    }
                }
            } catch (Exception e) {
                if (!hammerDone.get()) {
                    hammerInput.add("hammer read failed: " + e);
                }
            }
        });
        ExecutorService hammerWrites = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "abrupt-hammer");
            t.setDaemon(true);
            return t;
        });
        byte[] kilobyte = new byte[1000];
        java.util.Arrays.fill(kilobyte, (byte) 'h');
        String filler = new String(kilobyte, StandardCharsets.US_ASCII);

        int resetWhileOwed = 0;
        int resetOverWatermark = 0;
        int resetWhileSending = 0;
        int resetMidFrame = 0;
        List<Integer> sendingRounds = new ArrayList<>();
        List<Integer> partialRounds = new ArrayList<>();
        try {
            for (int round = 0; round < ROUNDS; round++) {
                TestClient victim = new TestClient(address, 4096);
                String victimPrefix = to(victim);
                await("victim registered", () -> registered(reactor, victim));
                int kind = random.nextInt(3);
                boolean alsoSending = kind == 0 && random.nextBoolean();
                Future<?> victimWriter = null;
                if (kind == 1 || alsoSending) {
                    // the victim writes lines to the sink until it is reset
                    int r = round;
                    sendingRounds.add(r);
                    victimWriter = threads.submit(() -> {
                        try {
                            for (int seq = 0; seq < 1_000_000; seq++) {
                                victim.writeLine(to(sinkClient) + "v" + r + " " + seq);
                            }
                        } catch (Exception expected) {
                            // reset under it
                        }
                    });
                    int atLeast = 1 + random.nextInt(200);
                    await("round " + r + ": " + atLeast + " lines at the sink", () -> sink.count(r).get() >= atLeast);
                    resetWhileSending++;
                }
                if (kind == 0) {
                    // The hammer sends the victim 2 MB blasts of 1 KB lines; the victim is reset either at once
                    // (mid-blast), or once the server holds a queue for it: the socket buffers on the way are full,
                    // the queue went over the high watermark and the hammer is paused until the queue drains to the
                    // low one, which it never does. More blasts follow while the socket buffers still take them.
                    int lines = 2_000;
                    StringBuilder sb = new StringBuilder(lines * (victimPrefix.length() + 1010));
                    for (int i = 0; i < lines; i++) {
                        sb.append(victimPrefix).append(i).append(' ').append(filler).append('\n');
                    }
                    byte[] blast = sb.toString().getBytes(StandardCharsets.US_ASCII);
                    Callable<Void> write = () -> {
                        hammer.write(blast);
                        return null;
                    };
                    Future<Void> last = hammerWrites.submit(write);
                    if (random.nextInt(4) != 0) {
                        int blasts = 1;
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                        while (pendingTo(reactor, victim.localAddress()) <= LOW) {
                            assertThat(System.nanoTime()).as("a queue for the victim within 15 s").isLessThan(deadline);
                            if (last.isDone() && blasts < 10) {
                                last = hammerWrites.submit(write);
                                blasts++;
                            }
                            LockSupport.parkNanos(1_000_000);
                        }
                        resetOverWatermark++;
                    }
                    resetWhileOwed++;
                }
                if (kind == 2) {
                    // a complete line to itself, then half a line to the sink, then the reset
                    victim.writeLine(victimPrefix + "hello");
                    assertThat(victim.readLine()).isEqualTo("hello");
                    victim.write((to(sinkClient) + "v" + round + " partial, never completed")
                            .getBytes(StandardCharsets.US_ASCII));
                    partialRounds.add(round);
                    resetMidFrame++;
                }
                FlowTestSupport.reset(victim.socket);
                if (victimWriter != null) {
                    victimWriter.get(10, TimeUnit.SECONDS);
                }
            }
            // drain the hammer's queue of blasts (they end in "offline" once their victim is gone)
            hammerWrites.submit(() -> null).get(15, TimeUnit.SECONDS);
        } finally {
            hammerWrites.shutdownNow();
        }

        // Stop the survivors; each direction must have delivered every line it sent, in order.
        for (Writer w : writers) {
            w.stop.set(true);
        }
        for (Checker c : checkers) {
            await(c.expected + " ended", Duration.ofSeconds(15), () -> c.ended.get() || !c.problems.isEmpty());
        }
        long total = 0;
        for (int i = 0; i < writers.size(); i++) {
            Writer w = writers.get(i);
            Checker c = checkers.get(i);
            assertThat(w.error).as("writer %s", w.stream).isNull();
            assertThat(c.problems).as("checker of %s", c.expected).isEmpty();
            assertThat(c.received.get()).isEqualTo(w.sent.get());
            total += c.received.get();
        }

        // The sink saw gap-free prefixes from the sending victims and nothing of the half-sent frames.
        hammer.writeLine(to(sinkClient) + "sink marker");
        hammer.writeLine(to(hammer) + "hammer marker");
        hammerReader.get(15, TimeUnit.SECONDS);
        hammerDone.set(true);
        await("sink marker", () -> sink.done.get());
        assertThat(sink.problems).isEmpty();
        assertThat(hammerInput).as("the hammer only ever hears 'offline'").isEmpty();
        for (int r : partialRounds) {
            assertThat(sink.counts.get(r)).as("round %d half-sent a line", r).isNull();
        }
        for (int r : sendingRounds) {
            assertThat(sink.count(r).get()).isPositive();
        }

        // Only the survivors, the hammer and the sink are left, and nothing is held for the dead.
        awaitRegistrySize(reactor, 2 * PAIRS + 2);
        for (TestClient s : survivors) {
            assertThat(registered(reactor, s)).isTrue();
        }
        ReactorStats stats = reactor.stats();
        System.out.printf("[abrupt] seed %d: %d rounds (%d reset while owed, %d of them with a server-side queue above the low watermark;"
                        + " %d while sending; %d mid-frame); survivors exchanged %d lines; stats %s%n",
                seed, ROUNDS, resetWhileOwed, resetOverWatermark, resetWhileSending, resetMidFrame, total, stats);
        assertThat(stats.protocolErrors()).isZero();
        assertThat(stats.connectionsOpen()).isEqualTo(2 * PAIRS + 2);
        assertThat(stats.connectionsTotal()).isEqualTo(2 * PAIRS + 2 + ROUNDS);
        await("nothing pending", () -> reactor.stats().pendingOutboundBytes() == 0);
        TestClient fresh = support.connect(address);
        fresh.writeLine(to(fresh) + "round trip");
        assertThat(fresh.readLine()).isEqualTo("round trip");
    }
}
