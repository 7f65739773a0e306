package io.chatnio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Shared helpers for the flow-control, limits, liveness and hostile-input tests: a reactor and its clients
 * closed together, queries run on the loop, bounded waits, and a handler that routes and records closes.
 * Every wait here has a deadline; nothing sleeps to synchronize.
 */
final class FlowTestSupport implements AutoCloseable {
    static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);
    /** The longest any single wait in these tests may take before it fails. */
    static final Duration WAIT = Duration.ofSeconds(15);

    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** Starts {@code builder}'s reactor; it is closed (with a short drain) by {@link #close()}. */
    Reactor start(ReactorBuilder builder, String threadName) {
        Reactor r = builder.threadName(threadName).start();
        toClose.add(() -> r.close(Duration.ofSeconds(2)));
        return r;
    }

    TestClient connect(InetSocketAddress address) throws IOException {
        return connect(address, 0);
    }

    /** A client closed by {@link #close()}; {@code receiveBuffer} 0 for the default. */
    TestClient connect(InetSocketAddress address, int receiveBuffer) throws IOException {
        TestClient c = new TestClient(address, receiveBuffer);
        toClose.add(c);
        return c;
    }

    /** Registers anything else to close, in reverse order of registration. */
    <T extends AutoCloseable> T closeLater(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        toClose.clear();
        if (first != null) {
            throw first;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The loop

    /** Runs {@code query} on the loop thread and returns its result (fails after 10 s). */
    static <T> T onLoop(Reactor reactor, Function<ConnectionRegistry, T> query) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        reactor.execute(() -> {
            try {
                f.complete(query.apply(reactor.registry()));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.get(10, TimeUnit.SECONDS);
    }

    /** Waits until the loop has run one task submitted now, and then one more: a full pass has ended. */
    static void twoPasses(Reactor reactor) throws Exception {
        onLoop(reactor, r -> null);
        onLoop(reactor, r -> null);
    }

    /** Open connections, as the registry sees them. */
    static int registrySize(Reactor reactor) throws Exception {
        return onLoop(reactor, ConnectionRegistry::size);
    }

    /** Whether the server still has a connection from {@code client}. */
    static boolean registered(Reactor reactor, TestClient client) throws Exception {
        InetSocketAddress a = client.localAddress();
        return onLoop(reactor, r -> r.byAddress(a) != null);
    }

    /** Bytes the server has queued for {@code client} and not yet written; -1 if not connected. */
    static long pendingTo(Reactor reactor, InetSocketAddress client) throws Exception {
        return onLoop(reactor, r -> {
            Connection c = r.byAddress(client);
            return c == null ? -1L : c.pendingOutboundBytes();
        });
    }

    static void awaitRegistrySize(Reactor reactor, int n) throws Exception {
        await("registry size " + n, () -> registrySize(reactor) == n);
    }

    /** Advances the manual clock, wakes the loop and waits until the timers due by then have run. */
    static void tick(Reactor reactor, ManualClock clock, long millis) throws Exception {
        clock.advance(millis, TimeUnit.MILLISECONDS);
        // the first task wakes the loop, whose pass then runs the due timers; the second ends after that pass
        twoPasses(reactor);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Waiting

    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} until it holds; fails after {@link #WAIT}. */
    static void await(String what, Condition condition) throws Exception {
        await(what, WAIT, condition);
    }

    static void await(String what, Duration timeout, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 100_000; // 0.1 ms, doubling up to 10 ms: a poll, not a synchronization sleep
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + timeout.toMillis() + " ms waiting for: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 10_000_000);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Clients

    /** The seed-protocol address prefix that routes a message to {@code client}: {@code 127.0.0.1:PORT:}. */
    static String to(TestClient client) {
        return "127.0.0.1:" + client.localAddress().getPort() + ":";
    }

    /** Closes {@code socket} with a TCP reset (SO_LINGER 0): the peer sees "connection reset". */
    static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed
        }
        try {
            socket.close();
        } catch (IOException e) {
            // ignore
        }
    }

    /** An int system property, clamped to [min, max]. */
    static int intProperty(String name, int defaultValue, int min, int max) {
        int v = Integer.getInteger(name, defaultValue);
        return Math.max(min, Math.min(max, v));
    }

    static long seed(String property) {
        Long s = Long.getLong(property);
        long seed = s != null ? s : System.nanoTime();
        System.out.println("[seed] " + property + "=" + seed + " (rerun with -D" + property + "=" + seed + ")");
        return seed;
    }

    /** The p-th percentile (0..100) of {@code sorted}, nearest-rank. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    // ---------------------------------------------------------------------------------------------------------
    // Handlers

    /** Routes every message with a router and records every close. */
    static final class RoutingHandler implements Handler {
        final Router router;
        /** Remote addresses of closed connections, with their close cause (or an "orderly" marker). */
        final BlockingQueue<Closed> closed = new LinkedBlockingQueue<>();
        final BlockingQueue<Connection> opened = new LinkedBlockingQueue<>();

        RoutingHandler(Router router) {
            this.router = router;
        }

        @Override
        public void onOpen(Connection connection) {
            opened.add(connection);
        }

        @Override
        public void onMessage(Connection connection, ByteBuffer payload) throws Exception {
            router.route(connection, payload, connection.reactor().registry());
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            closed.add(new Closed(connection.remoteAddress(), cause));
        }

        /** Waits for the close of the connection from {@code client}'s address. */
        Closed awaitClosed(InetSocketAddress client) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            List<Closed> others = new ArrayList<>();
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    Closed c = closed.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                    if (c == null) {
                        fail("no close of " + client + " within " + WAIT.toMillis() + " ms; saw " + others);
                    }
                    if (c.remote.equals(client)) {
                        return c;
                    }
                    others.add(c);
                }
            } finally {
                closed.addAll(others);
            }
        }
    }

    record Closed(InetSocketAddress remote, Throwable cause) {
    }

    /** A direct router by address with a bare envelope, "offline" notice and "ERR " prefix. */
    static Router directByAddress() {
        return Routers.direct(Routers.byAddress(), Routers.Envelope.bare(), "offline", "ERR ");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Readers

    /**
     * Reads lines from a client on its own thread into a queue; {@link #EOF} marks the end of the stream (or a
     * reset, or a read timeout, recorded in {@link #error}).
     */
    static final class LineCollector implements AutoCloseable {
        static final String EOF = "\u0000EOF";
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        volatile Throwable error;
        private final Thread thread;
        private final TestClient client;

        LineCollector(TestClient client, String name) {
            this.client = client;
            thread = new Thread(() -> {
                try {
                    String line;
                    while ((line = client.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (Throwable t) {
                    error = t;
                } finally {
                    lines.add(EOF);
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }

        /** The next line, waiting up to {@link #WAIT}; fails on timeout. */
        String next() throws InterruptedException {
            String line = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(line).as("a line within %d ms", WAIT.toMillis()).isNotNull();
            return line;
        }

        @Override
        public void close() throws Exception {
            client.close();
            thread.join(5_000);
        }
    }
}
