package io.chatnio;

import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.directByAddress;
import static io.chatnio.FlowTestSupport.pendingTo;
import static io.chatnio.FlowTestSupport.to;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.FlowTestSupport.Closed;
import io.chatnio.FlowTestSupport.LineCollector;
import io.chatnio.FlowTestSupport.RoutingHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slow consumers over real loopback sockets, one test per {@link SlowConsumerPolicy}: a recipient with a 4 KiB
 * receive buffer that does not read, small watermarks (8 KiB / 32 KiB), and senders of numbered 1 KiB lines.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlowControlTest {
    private static final int LOW = 8 * 1024;
    private static final int HIGH = 32 * 1024;
    /** Bytes of each numbered line on the wire, newline included. */
    private static final int LINE = 1024;

    private final FlowTestSupport support = new FlowTestSupport();

    @AfterEach
    void tearDown() throws Exception {
        support.close();
    }

    /** {@code prefix + seq(7 digits) + ' ' + padding}, {@link #LINE} bytes with the newline. */
    private static byte[] numbered(String prefix, int seq) {
        StringBuilder sb = new StringBuilder(LINE).append(prefix).append(String.format("%07d", seq)).append(' ');
        while (sb.length() < LINE - 1) {
            sb.append((char) ('a' + sb.length() % 26));
        }
        return sb.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The sequence number of a line received from {@link #numbered} (the addressing already stripped). */
    private static int seqOf(String line, String prefix) {
        int seq = Integer.parseInt(line.substring(0, 7));
        assertThat(line).as("an intact line").isEqualTo(bodyOf(seq, prefix));
        return seq;
    }

    private static String bodyOf(int seq, String prefix) {
        String full = new String(numbered(prefix, seq), StandardCharsets.US_ASCII);
        return full.substring(prefix.length(), full.length() - 1);
    }

    /** Writes numbered lines to {@code target} on its own thread until {@code stop} or {@code count} lines. */
    private static final class Blaster extends Thread {
        final AtomicInteger written = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        private final TestClient from;
        private final String prefix;
        private final int count;

        Blaster(TestClient from, String prefix, int count) {
            super("blaster-" + from.localAddress().getPort());
            setDaemon(true);
            this.from = from;
            this.prefix = prefix;
            this.count = count;
        }

        @Override
        public void run() {
            try {
                for (int i = 0; i < count && !stop.get(); i++) {
                    from.write(numbered(prefix, i));
                    written.incrementAndGet();
                }
                done.complete(written.get());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }
    }

    private RoutingHandler handler(Router router) {
        return new RoutingHandler(router);
    }

    private Reactor start(RoutingHandler handler, SlowConsumerPolicy direct, SlowConsumerPolicy fanout) {
        return support.start(Reactor.builder()
                .handler(handler)
                .writeBufferWatermarks(LOW, HIGH)
                .slowConsumerPolicy(direct, fanout), "flow-loop");
    }

    @Test
    void pauseSenderBoundsTheQueueAndLosesNothing() throws Exception {
        RoutingHandler handler = handler(directByAddress());
        Reactor reactor = start(handler, SlowConsumerPolicy.PAUSE_SENDER, SlowConsumerPolicy.DISCONNECT);
        InetSocketAddress address = reactor.bind(FlowTestSupport.ANY_PORT);
        TestClient recipient = support.connect(address, 4096);
        TestClient sender = support.connect(address);
        sender.socket.setSendBufferSize(16 * 1024);
        FlowTestSupport.awaitRegistrySize(reactor, 2);

        int total = 16_000; // 16 MB: far more than every socket buffer on the way can hold
        Blaster blaster = new Blaster(sender, to(recipient), total);
        blaster.start();

        // Sample the server while the recipient reads nothing, until the sender has made no progress for 500 ms.
        long maxPending = 0;
        long maxBuffered = 0;
        int samples = 0;
        int lastWritten = -1;
        long lastProgress = System.nanoTime();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            long pending = pendingTo(reactor, recipient.localAddress());
            ReactorStats stats = reactor.stats();
            maxPending = Math.max(maxPending, pending);
            maxBuffered = Math.max(maxBuffered, stats.bufferedInboundBytes());
            samples++;
            int w = blaster.written.get();
            long now = System.nanoTime();
            if (w != lastWritten) {
                lastWritten = w;
                lastProgress = now;
            } else if (now - lastProgress > TimeUnit.MILLISECONDS.toNanos(500)) {
                break;
            }
            assertThat(blaster.done).as("the sender was never stopped by backpressure").isNotDone();
            assertThat(now).as("the sender stalls within 15 s").isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
        int writtenAtStall = blaster.written.get();
        long messagesInAtStall = reactor.stats().messagesIn();
        System.out.printf("[PAUSE_SENDER] sender stalled after %d of %d lines (%d KiB); server read %d;"
                        + " max pending to recipient %d B, max buffered inbound %d B over %d samples%n",
                writtenAtStall, total, writtenAtStall * LINE / 1024, messagesInAtStall, maxPending, maxBuffered,
                samples);
        // One sender: the recipient's queue exceeds the high watermark by at most the message that crossed it.
        assertThat(maxPending).isLessThanOrEqualTo(HIGH + 2L * LINE);
        // The paused sender's unread frames sit in at most one read buffer (64 KiB + a frame's worth).
        assertThat(maxBuffered).isLessThanOrEqualTo(64 * 1024 + 64 * 1024 + 4096);
        assertThat(writtenAtStall).isLessThan(total);

        // Now read everything: every line arrives, in order, and the sender finishes.
        for (int i = 0; i < total; i++) {
            String line = recipient.readLine();
            assertThat(line).as("line %d", i).isEqualTo(bodyOf(i, to(recipient)));
        }
        assertThat(blaster.done.get(10, TimeUnit.SECONDS)).isEqualTo(total);
        ReactorStats stats = reactor.stats();
        assertThat(stats.messagesDropped()).isZero();
        assertThat(stats.slowConsumerCloses()).isZero();
        assertThat(stats.messagesIn()).isEqualTo(total);
        assertThat(handler.closed).isEmpty();
        assertThat(pendingTo(reactor, recipient.localAddress())).isZero();
    }

    @Test
    void disconnectClosesOnlyTheSlowRecipient() throws Exception {
        RoutingHandler handler = handler(directByAddress());
        Reactor reactor = start(handler, SlowConsumerPolicy.DISCONNECT, SlowConsumerPolicy.DISCONNECT);
        InetSocketAddress address = reactor.bind(FlowTestSupport.ANY_PORT);
        TestClient slow = support.connect(address, 4096);
        TestClient sender = support.connect(address);
        TestClient a = support.connect(address);
        TestClient b = support.connect(address);
        FlowTestSupport.awaitRegistrySize(reactor, 4);

        Blaster blaster = new Blaster(sender, to(slow), 50_000);
        blaster.start();
        Closed closed = handler.awaitClosed(slow.localAddress());
        blaster.stop.set(true);
        assertThat(blaster.done.get(10, TimeUnit.SECONDS)).isLessThan(50_000);
        System.out.printf("[DISCONNECT] slow recipient closed after the sender wrote %d lines: %s%n",
                blaster.written.get(), closed.cause());
        assertThat(closed.cause()).hasMessageContaining("slow consumer");
        assertThat(slow.awaitClosed()).isTrue();
        assertThat(reactor.stats().slowConsumerCloses()).isEqualTo(1);
        assertThat(FlowTestSupport.registered(reactor, slow)).isFalse();

        // Everyone else keeps working; the sender now learns that the slow one is gone.
        a.writeLine(to(b) + "still here");
        assertThat(b.readLine()).isEqualTo("still here");
        b.writeLine(to(a) + "me too");
        assertThat(a.readLine()).isEqualTo("me too");
        sender.writeLine(to(slow) + "anyone?");
        sender.writeLine(to(sender) + "marker"); // to itself: ends what the sender has to read
        int offline = 0;
        String line;
        while (!"marker".equals(line = sender.readLine())) {
            assertThat(line).isEqualTo("offline");
            offline++;
        }
        assertThat(offline).isPositive();
        sender.writeLine(to(a) + "from the sender");
        assertThat(a.readLine()).isEqualTo("from the sender");
        assertThat(reactor.stats().slowConsumerCloses()).isEqualTo(1);
    }

    /**
     * Sends {@code total} numbered lines from a fresh sender to a recipient that reads nothing until the server
     * has handled them all, then returns the sequence numbers the recipient receives.
     */
    private List<Integer> blastThenRead(Reactor reactor, int total, boolean dropsWereQueued) throws Exception {
        InetSocketAddress address = reactor.boundAddresses().get(0);
        TestClient slow = support.connect(address, 4096);
        TestClient sender = support.connect(address);
        FlowTestSupport.awaitRegistrySize(reactor, 2);
        Blaster blaster = new Blaster(sender, to(slow), total);
        blaster.start();
        // a drop policy never pauses the sender: the server reads (and drops) everything
        assertThat(blaster.done.get(15, TimeUnit.SECONDS)).isEqualTo(total);
        await("the server handled every line", () -> reactor.stats().messagesIn() == total);
        long pending = pendingTo(reactor, slow.localAddress());
        ReactorStats stats = reactor.stats();
        // messagesOut counts frames queued: DROP_NEWEST never queues what it drops, DROP_OLDEST drops queued ones
        long delivered = dropsWereQueued ? stats.messagesOut() - stats.messagesDropped() : stats.messagesOut();
        assertThat(delivered + stats.messagesDropped()).isEqualTo(total);
        assertThat(pending).as("queue bound with a drop policy").isLessThanOrEqualTo(HIGH + LINE);
        List<Integer> seqs = new ArrayList<>();
        for (long i = 0; i < delivered; i++) {
            seqs.add(seqOf(slow.readLine(), to(slow)));
        }
        System.out.printf("dropped %d of %d lines; pending to the recipient at the end %d B; first %s, last %s%n",
                stats.messagesDropped(), total, pending, seqs.get(0), seqs.get(seqs.size() - 1));
        // Nothing more arrives: the server owed exactly what it counted as sent.
        sender.writeLine(to(slow) + "end");
        assertThat(slow.readLine()).isEqualTo("end");
        assertThat(seqs).isSorted().doesNotHaveDuplicates();
        assertThat(reactor.stats().slowConsumerCloses()).isZero();
        return seqs;
    }

    @Test
    void dropNewestKeepsTheOldestInOrder() throws Exception {
        Reactor reactor = start(handler(directByAddress()), SlowConsumerPolicy.DROP_NEWEST, SlowConsumerPolicy.DISCONNECT);
        reactor.bind(FlowTestSupport.ANY_PORT);
        int total = 8_000;
        List<Integer> seqs = blastThenRead(reactor, total, false);
        assertThat(reactor.stats().messagesDropped()).isPositive();
        assertThat(seqs).hasSizeLessThan(total);
        // Up to the first drop nothing was lost: what was queued when the queue crossed the high watermark was
        // kept and the new line dropped, so the lines arrive as a contiguous run from 0 at least a queue long.
        int prefix = 0;
        while (prefix < seqs.size() && seqs.get(prefix) == prefix) {
            prefix++;
        }
        assertThat(prefix).as("contiguous oldest lines").isGreaterThanOrEqualTo(HIGH / LINE);
    }

    @Test
    void dropOldestPerMessageOverrideKeepsTheNewestInOrder() throws Exception {
        // The reactor's default stays PAUSE_SENDER: the router asks for DROP_OLDEST on each message.
        Routers.Addressing byAddress = Routers.byAddress();
        Router dropOldest = (sender, message, registry) -> {
            Connection target = byAddress.resolve(sender, message, registry);
            if (target == null) {
                sender.send("offline");
            } else {
                target.message().onSlowConsumer(SlowConsumerPolicy.DROP_OLDEST).put(message).send();
            }
        };
        Reactor reactor = start(handler(dropOldest), SlowConsumerPolicy.PAUSE_SENDER, SlowConsumerPolicy.DISCONNECT);
        reactor.bind(FlowTestSupport.ANY_PORT);
        int total = 8_000;
        List<Integer> seqs = blastThenRead(reactor, total, true);
        assertThat(reactor.stats().messagesDropped()).isPositive();
        assertThat(seqs).hasSizeLessThan(total).endsWith(total - 1); // the newest arrived
        // the newest ones arrive as a contiguous run: what was dropped was older
        int tail = seqs.size() - 1;
        while (tail > 0 && seqs.get(tail - 1) == seqs.get(tail) - 1) {
            tail--;
        }
        assertThat(seqs.size() - tail).as("contiguous newest lines").isGreaterThanOrEqualTo(HIGH / LINE / 2);
    }

    /**
     * Library bug: when a fan-out's {@code sendTo} finds a recipient above its high watermark under DISCONNECT,
     * {@code EventLoop.admit} calls {@code closeNow}, whose {@code finally} runs {@code userWriter.discard()}
     * (after {@code handler.onClose}). That ends the fan-out being written: the next {@code sendTo} throws
     * {@code IllegalStateException("no message in progress")}, so the recipients after the slow one miss the
     * message and the sender is closed as if its router had failed (counted in protocolErrors).
     */
    @Test
    void fanOutDisconnectsTheSlowMemberWhileTheOthersGetEverything() throws Exception {
        RoutingHandler handler = handler(Routers.broadcast(Routers.Envelope.bare()));
        Reactor reactor = start(handler, SlowConsumerPolicy.PAUSE_SENDER, SlowConsumerPolicy.DISCONNECT);
        InetSocketAddress address = reactor.bind(FlowTestSupport.ANY_PORT);
        TestClient slow = support.connect(address, 4096);
        TestClient sender = support.connect(address);
        LineCollector fast1 = support.closeLater(new LineCollector(support.connect(address), "fast-1"));
        LineCollector fast2 = support.closeLater(new LineCollector(support.connect(address), "fast-2"));
        FlowTestSupport.awaitRegistrySize(reactor, 4);

        // Bursts of 8 lines (below the high watermark), each once the fast members have read the previous one,
        // until the slow member is closed.
        int sent = 0;
        int burst = 8;
        int maxLines = 40_000;
        List<String> got1 = new ArrayList<>();
        List<String> got2 = new ArrayList<>();
        while (sent < maxLines && !closedAlready(handler, slow)) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < burst; i++) {
                sb.append(new String(numbered("", sent++), StandardCharsets.US_ASCII));
            }
            sender.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
            readUpTo(fast1, got1, sent, handler, sender);
            readUpTo(fast2, got2, sent, handler, sender);
        }
        System.out.printf("[fan-out DISCONNECT] slow member closed after %d lines%n", sent);
        assertThat(sent).isLessThan(maxLines);
        assertThat(handler.awaitClosed(slow.localAddress()).cause()).hasMessageContaining("slow consumer");
        assertThat(slow.awaitClosed()).isTrue();
        // after the close, the others still get everything, in order
        for (int i = 0; i < 100; i++) {
            sender.write(numbered("", sent++));
        }
        readUpTo(fast1, got1, sent, handler, sender);
        readUpTo(fast2, got2, sent, handler, sender);
        for (int i = 0; i < sent; i++) {
            assertThat(seqOf(got1.get(i), "")).isEqualTo(i);
            assertThat(seqOf(got2.get(i), "")).isEqualTo(i);
        }
        ReactorStats stats = reactor.stats();
        assertThat(stats.slowConsumerCloses()).isEqualTo(1);
        assertThat(stats.connectionsOpen()).isEqualTo(3);
        assertThat(stats.protocolErrors()).isZero();
        assertThat(handler.closed).isEmpty();
    }

    /** Collects lines until {@code got} holds {@code n}; fails at once if the sender's connection was closed. */
    private static void readUpTo(LineCollector from, List<String> got, int n, RoutingHandler handler,
                                 TestClient sender) throws InterruptedException {
        long deadline = System.nanoTime() + FlowTestSupport.WAIT.toNanos();
        while (got.size() < n) {
            String line = from.lines.poll(50, TimeUnit.MILLISECONDS);
            if (line != null) {
                assertThat(line).isNotEqualTo(LineCollector.EOF);
                got.add(line);
                continue;
            }
            for (Closed c : handler.closed) {
                assertThat(c.remote()).as("the sender's connection was closed: %s", c.cause())
                        .isNotEqualTo(sender.localAddress());
            }
            assertThat(System.nanoTime()).as("%d lines within %d ms, got %d", n, FlowTestSupport.WAIT.toMillis(),
                    got.size()).isLessThan(deadline);
        }
    }

    private static boolean closedAlready(RoutingHandler handler, TestClient client) {
        return handler.closed.stream().anyMatch(c -> c.remote().equals(client.localAddress()));
    }

    /**
     * Writes {@code line} {@code count} times from {@code client} on its own thread and, while it does, samples the
     * server's queue for that same client; returns the largest queue seen once the server stops reading it (its
     * writes stall for 500 ms) or has read every line.
     */
    private long queueToANonReadingSender(Reactor reactor, TestClient client, String line, int count) throws Exception {
        byte[] one = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] batch = new byte[one.length * 1000];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(one, 0, batch, i * one.length, one.length);
        }
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < count / 1000; i++) {
                    client.write(batch);
                }
            } catch (Exception e) {
                // reset by the test's end
            }
        });
        long max = 0;
        long lastIn = -1;
        long lastProgress = System.nanoTime();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() - lastProgress < TimeUnit.MILLISECONDS.toNanos(500)) {
            max = Math.max(max, pendingTo(reactor, client.localAddress()));
            long in = reactor.stats().messagesIn();
            if (in != lastIn) {
                lastIn = in;
                lastProgress = System.nanoTime();
            }
            if (in >= count && writing.isDone()) {
                break;
            }
            assertThat(System.nanoTime()).as("settles within 15 s").isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        System.out.printf("[own replies] %d lines of %d bytes sent: server read %d, largest queue to the sender %d KiB%n",
                count, one.length, reactor.stats().messagesIn(), max / 1024);
        FlowTestSupport.reset(client.socket);
        return max;
    }

    /**
     * A client that sends malformed lines and never reads: every line earns an error reply queued to the client
     * itself, 14 times the bytes it sent ("x" in, "ERR expected IP:PORT:MESSAGE" out).
     *
     * <p>Library bug: {@code EventLoop.queued} pauses the current sender only if it is not the recipient
     * ({@code sender != c}), so replies to the sender itself are never pushed back under PAUSE_SENDER: the
     * server keeps reading and queues without bound (hostile input: a few MB in, tens of MB held).
     */
    @Test
    void aSenderThatNeverReadsItsOwnErrorRepliesIsPushedBack() throws Exception {
        Reactor reactor = start(handler(directByAddress()), SlowConsumerPolicy.PAUSE_SENDER, SlowConsumerPolicy.DISCONNECT);
        InetSocketAddress address = reactor.bind(FlowTestSupport.ANY_PORT);
        TestClient hostile = support.connect(address, 4096);
        FlowTestSupport.awaitRegistrySize(reactor, 1);
        long max = queueToANonReadingSender(reactor, hostile, "x", 1_000_000);
        assertThat(max).as("queue to a sender that does not read its replies")
                .isLessThanOrEqualTo(HIGH + 64 * 1024);
    }

    /** The same for messages a client addresses to itself: they are queued to a connection that never reads. */
    @Test
    void aSenderThatNeverReadsWhatItSendsItselfIsPushedBack() throws Exception {
        Reactor reactor = start(handler(directByAddress()), SlowConsumerPolicy.PAUSE_SENDER, SlowConsumerPolicy.DISCONNECT);
        InetSocketAddress address = reactor.bind(FlowTestSupport.ANY_PORT);
        TestClient loop = support.connect(address, 4096);
        FlowTestSupport.awaitRegistrySize(reactor, 1);
        long max = queueToANonReadingSender(reactor, loop, to(loop) + "x".repeat(100), 100_000);
        assertThat(max).as("queue to a sender that does not read what it sends itself")
                .isLessThanOrEqualTo(HIGH + 64 * 1024);
    }
}
