package io.chatnio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The reactor over real loopback sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReactorTest {
    private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

    private final LoopFailures failures = new LoopFailures();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        failures.rethrow();
    }

    private Reactor start(ReactorBuilder builder) {
        Reactor r = builder.threadName("test-loop").start();
        toClose.add(r);
        return r;
    }

    private TestClient connect(InetSocketAddress address) throws IOException {
        TestClient c = new TestClient(address);
        toClose.add(c);
        return c;
    }

    /** Echoes every frame back to its sender. */
    private static final Handler ECHO = (c, payload) -> c.message().put(payload).send();

    @Test
    void echoesLinesAndReportsTheBoundAddress() throws Exception {
        Reactor reactor = start(Reactor.builder().handler(ECHO));
        InetSocketAddress address = reactor.bind(ANY_PORT);
        assertThat(address.getPort()).isPositive();
        assertThat(reactor.boundAddresses()).containsExactly(address);

        TestClient client = connect(address);
        client.write("hello\r\nworld\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(client.readLine()).isEqualTo("hello");
        assertThat(client.readLine()).isEqualTo("world");
        assertThat(client.readLine()).isEqualTo("");
    }

    @Test
    void bindsSeveralAddresses() throws Exception {
        Reactor reactor = start(Reactor.builder().handler(ECHO));
        InetSocketAddress a = reactor.bind(ANY_PORT);
        InetSocketAddress b = reactor.bind(ANY_PORT);
        assertThat(reactor.boundAddresses()).containsExactly(a, b);
        TestClient ca = connect(a);
        TestClient cb = connect(b);
        ca.writeLine("a");
        cb.writeLine("b");
        assertThat(ca.readLine()).isEqualTo("a");
        assertThat(cb.readLine()).isEqualTo("b");
    }

    @Test
    void echoesLengthPrefixedFramesAcrossChunks() throws Exception {
        // 50 KiB frames span several 16 KiB outbound chunks and several reads
        Reactor reactor = start(Reactor.builder().handler(ECHO).codec(FrameCodec.lengthPrefixed(1 << 20)));
        TestClient client = connect(reactor.bind(ANY_PORT));
        byte[] payload = new byte[50_000];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31);
        }
        ByteBuffer frames = ByteBuffer.allocate(3 * (4 + payload.length));
        for (int i = 0; i < 3; i++) {
            frames.putInt(payload.length).put(payload);
        }
        client.write(frames.array());
        for (int i = 0; i < 3; i++) {
            ByteBuffer header = ByteBuffer.wrap(client.readBytes(4));
            assertThat(header.getInt()).isEqualTo(payload.length);
            assertThat(client.readBytes(payload.length)).isEqualTo(payload);
        }
    }

    @Test
    void slowReaderReceivesEverythingInOrderAfterResuming() throws Exception {
        int messages = 20_000;
        byte[] body = "0123456789abcdefghijklmnopqrstuvwxyz".repeat(28).getBytes(StandardCharsets.US_ASCII); // 20 MB in all
        AtomicInteger becameUnwritable = new AtomicInteger();
        CountDownLatch allQueued = new CountDownLatch(1);
        Reactor reactor = start(Reactor.builder()
                .writeBufferWatermarks(16 * 1024, 64 * 1024)
                .handler(new Handler() {
                    @Override
                    public void onMessage(Connection c, ByteBuffer payload) {
                        // "go": queue many numbered messages at once, far more than the socket buffers hold
                        for (int i = 0; i < messages; i++) {
                            c.message().putDecimal(i).put((byte) ' ').put(body).send();
                        }
                        failures.check(() -> assertThat(c.isWritable()).isFalse());
                        allQueued.countDown();
                    }

                    @Override
                    public void onWritabilityChanged(Connection c) {
                        if (!c.isWritable()) {
                            becameUnwritable.incrementAndGet();
                        }
                    }
                }));
        TestClient client = new TestClient(reactor.bind(ANY_PORT), 4096);
        toClose.add(client);
        client.writeLine("go");
        assertThat(allQueued.await(10, TimeUnit.SECONDS)).isTrue();
        // The client has read nothing yet: the server must be holding most of it.
        long pending = pendingOf(reactor);
        assertThat(pending).isGreaterThan(64 * 1024);
        String expectedBody = new String(body, StandardCharsets.US_ASCII);
        for (int i = 0; i < messages; i++) {
            assertThat(client.readLine()).isEqualTo(i + " " + expectedBody);
        }
        assertThat(becameUnwritable.get()).isEqualTo(1);
        assertThat(pendingOf(reactor)).isZero();
    }

    private static long pendingOf(Reactor reactor) throws Exception {
        CompletableFuture<Long> f = new CompletableFuture<>();
        reactor.execute(() -> f.complete(reactor.registry().all().stream()
                .mapToLong(Connection::pendingOutboundBytes).sum()));
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void overLongLineClosesOnlyTheOffender() throws Exception {
        BlockingQueue<Throwable> closeCauses = new LinkedBlockingQueue<>();
        Reactor reactor = start(Reactor.builder()
                .codec(FrameCodec.lines(100))
                .handler(new Handler() {
                    @Override
                    public void onMessage(Connection c, ByteBuffer payload) {
                        c.message().put(payload).send();
                    }

                    @Override
                    public void onClose(Connection c, Throwable cause) {
                        closeCauses.add(cause == null ? new Exception("orderly") : cause);
                    }
                }));
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient good = connect(address);
        TestClient bad = connect(address);
        good.writeLine("before");
        assertThat(good.readLine()).isEqualTo("before");
        bad.writeLine("fine");
        assertThat(bad.readLine()).isEqualTo("fine");
        bad.write(new byte[10_000]); // no newline at all
        assertThat(bad.awaitClosed()).isTrue();
        assertThat(closeCauses.poll(10, TimeUnit.SECONDS)).isInstanceOf(FrameException.TooLong.class);
        good.writeLine("after");
        assertThat(good.readLine()).isEqualTo("after");
        assertThat(reactor.stats().protocolErrors()).isEqualTo(1);
    }

    @Test
    void handlerExceptionClosesOnlyThatConnection() throws Exception {
        Reactor reactor = start(Reactor.builder().handler((c, payload) -> {
            if (payload.remaining() == 4 && payload.get(payload.position()) == 'b') {
                throw new IllegalStateException("boom (expected by the test)");
            }
            c.message().put(payload).send();
        }));
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient good = connect(address);
        TestClient bad = connect(address);
        bad.writeLine("boom");
        assertThat(bad.awaitClosed()).isTrue();
        good.writeLine("still here");
        assertThat(good.readLine()).isEqualTo("still here");
        assertThat(reactor.isTerminated()).isFalse();
    }

    @Test
    void sendAndCloseFromOtherThreads() throws Exception {
        BlockingQueue<Connection> opened = new LinkedBlockingQueue<>();
        Reactor reactor = start(Reactor.builder().handler(new Handler() {
            @Override
            public void onOpen(Connection c) {
                opened.add(c);
            }

            @Override
            public void onMessage(Connection c, ByteBuffer payload) {
            }
        }));
        TestClient client = connect(reactor.bind(ANY_PORT));
        Connection server = opened.poll(10, TimeUnit.SECONDS);
        assertThat(server).isNotNull();
        assertThat(server.remoteAddress()).isEqualTo(client.localAddress());
        assertThatThrownBy(server::message).isInstanceOf(IllegalStateException.class);

        Thread[] senders = new Thread[4];
        for (int t = 0; t < senders.length; t++) {
            int id = t;
            senders[t] = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    server.send(id + ":" + i);
                }
            });
            senders[t].start();
        }
        for (Thread t : senders) {
            t.join(10_000);
        }
        int[] next = new int[senders.length];
        for (int i = 0; i < senders.length * 1000; i++) {
            String[] parts = client.readLine().split(":");
            int id = Integer.parseInt(parts[0]);
            assertThat(Integer.parseInt(parts[1])).isEqualTo(next[id]++); // per-thread order is kept
        }
        server.close();
        assertThat(client.awaitClosed()).isTrue();
        assertThat(server.isOpen()).isFalse();
    }

    @Test
    void gracefulCloseDrainsPendingOutput() throws Exception {
        int messages = 5_000;
        CountDownLatch queued = new CountDownLatch(1);
        Reactor reactor = start(Reactor.builder().handler((c, payload) -> {
            for (int i = 0; i < messages; i++) {
                c.message().putDecimal(i).putUtf8(" of the messages queued before close").send();
            }
            queued.countDown();
        }));
        TestClient client = new TestClient(reactor.bind(ANY_PORT), 4096);
        toClose.add(client);
        client.writeLine("go");
        assertThat(queued.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> reactor.close(Duration.ofSeconds(20)));
        for (int i = 0; i < messages; i++) {
            assertThat(client.readLine()).isEqualTo(i + " of the messages queued before close");
        }
        assertThat(client.awaitClosed()).isTrue();
        closing.get(20, TimeUnit.SECONDS);
        assertThat(reactor.isTerminated()).isTrue();
        reactor.close(); // idempotent
        assertThatThrownBy(() -> reactor.bind(ANY_PORT)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeStopsAcceptingAndEndsTheThread() throws Exception {
        Reactor reactor = start(Reactor.builder().handler(ECHO));
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient client = connect(address);
        client.writeLine("x");
        assertThat(client.readLine()).isEqualTo("x");
        reactor.close();
        assertThat(reactor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(client.awaitClosed()).isTrue();
        assertThat(reactor.boundAddresses()).isEmpty();
        assertThatThrownBy(() -> new TestClient(address).close()).isInstanceOf(IOException.class);
    }

    @Test
    void timersFireOnTheVirtualClock() throws Exception {
        ManualClock clock = new ManualClock();
        Reactor reactor = start(Reactor.builder().clock(clock).handler(ECHO));
        BlockingQueue<String> fired = new LinkedBlockingQueue<>();
        AtomicReference<Thread> firedOn = new AtomicReference<>();
        reactor.schedule(5, TimeUnit.SECONDS, () -> {
            firedOn.set(Thread.currentThread());
            fired.add("5s");
        });
        reactor.schedule(1, TimeUnit.SECONDS, () -> fired.add("1s"));
        Cancellable cancelled = reactor.schedule(2, TimeUnit.SECONDS, () -> fired.add("2s"));
        assertThat(cancelled.cancel()).isTrue();
        assertThat(cancelled.cancel()).isFalse();

        // Make sure the loop has seen all three timers, then check nothing fires while time stands still.
        CountDownLatch seen = new CountDownLatch(1);
        reactor.execute(seen::countDown);
        assertThat(seen.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(fired).isEmpty();

        clock.advance(1, TimeUnit.SECONDS);
        reactor.execute(() -> { }); // wake the loop so that it looks at the clock
        assertThat(fired.poll(5, TimeUnit.SECONDS)).isEqualTo("1s");
        clock.advance(10, TimeUnit.SECONDS);
        reactor.execute(() -> { });
        assertThat(fired.poll(5, TimeUnit.SECONDS)).isEqualTo("5s");
        assertThat(reactor.inEventLoop()).isFalse();
        assertThat(firedOn.get().getName()).startsWith("test-loop");
        CountDownLatch after = new CountDownLatch(1);
        reactor.execute(after::countDown);
        assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(fired).isEmpty(); // the cancelled 2 s timer never ran
    }

    @Test
    void taskExceptionDoesNotKillTheLoop() throws Exception {
        Reactor reactor = start(Reactor.builder().handler(ECHO));
        reactor.execute(() -> {
            throw new IllegalStateException("task failure (expected by the test)");
        });
        CountDownLatch ran = new CountDownLatch(1);
        reactor.execute(ran::countDown);
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        TestClient client = connect(reactor.bind(ANY_PORT));
        client.writeLine("alive");
        assertThat(client.readLine()).isEqualTo("alive");
    }

    @Test
    void aFatalLoopErrorIsKeptAndReportedToCallers() throws Exception {
        Reactor reactor = Reactor.builder().handler(ECHO).threadName("fatal-loop").start();
        TestClient client = connect(reactor.bind(ANY_PORT));
        client.writeLine("before");
        assertThat(client.readLine()).isEqualTo("before");
        // A VirtualMachineError other than StackOverflowError is not survivable: the loop must end and say why.
        reactor.execute(() -> {
            throw new OutOfMemoryError("simulated by the test");
        });
        assertThatThrownBy(() -> reactor.awaitTermination(10, TimeUnit.SECONDS))
                .isInstanceOf(ReactorException.class)
                .hasRootCauseInstanceOf(OutOfMemoryError.class);
        assertThat(reactor.isTerminated()).isTrue();
        assertThat(client.awaitClosed()).isTrue(); // every connection was closed on the way out
        assertThatThrownBy(reactor::close).isInstanceOf(ReactorException.class);
        assertThatThrownBy(() -> reactor.execute(() -> { }))
                .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }

    private static final AttributeKey<Integer> COUNT = AttributeKey.newKey("count");

    @Test
    void attributesArePerConnection() throws Exception {
        Reactor reactor = start(Reactor.builder().handler((c, payload) -> {
            Integer n = c.attr(COUNT);
            int next = n == null ? 1 : n + 1;
            c.attr(COUNT, next);
            c.message().putDecimal(next).send();
        }));
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient a = connect(address);
        TestClient b = connect(address);
        a.writeLine("x");
        a.writeLine("x");
        b.writeLine("x");
        assertThat(a.readLine()).isEqualTo("1");
        assertThat(a.readLine()).isEqualTo("2");
        assertThat(b.readLine()).isEqualTo("1");
    }

    @Test
    void statsCountTraffic() throws Exception {
        Reactor reactor = start(Reactor.builder().handler(ECHO));
        TestClient client = connect(reactor.bind(ANY_PORT));
        client.writeLine("abc");
        assertThat(client.readLine()).isEqualTo("abc");
        ReactorStats stats = reactor.stats();
        assertThat(stats.connectionsOpen()).isEqualTo(1);
        assertThat(stats.connectionsTotal()).isEqualTo(1);
        assertThat(stats.messagesIn()).isEqualTo(1);
        assertThat(stats.messagesOut()).isEqualTo(1);
        assertThat(stats.bytesIn()).isEqualTo(4);
        assertThat(stats.bytesOut()).isEqualTo(4);
        assertThat(stats.loopPasses()).isPositive();
    }
}
