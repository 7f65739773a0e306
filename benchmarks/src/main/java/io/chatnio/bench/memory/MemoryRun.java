package io.chatnio.bench.memory;

import io.chatnio.bench.BenchTls;
import io.chatnio.bench.memory.ServerProcess.Measurement;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * One measurement of one server implementation's memory per connection (see {@link MemoryMain}): the server in
 * a child JVM ({@link ServerProcess}), its clients in this one ({@link ClientConnections}).
 *
 * <ol>
 *   <li>Warm-up: {@code warmup} connections open, get the backlog (below) and close, so that the server's
 *       classes are loaded, its paths compiled and its buffer pools filled before the baseline; the server's
 *       sockets are back to its listener.</li>
 *   <li>Baseline, after {@code settle}: used heap after full collections, and resident set.</li>
 *   <li>Idle: half the connections open (TLS: handshake done), each used once and then idle, then the other
 *       half; the server holds them all; measured after each half, after {@code settle}. The second half's
 *       growth is a check: what grows once, whatever the number of connections (the JIT's code and
 *       memory, pools), lands in the first.</li>
 *   <li>Backlog (unless {@code backlogBytes} is 0): {@code backlogBytes} per connection queued toward every
 *       client, which does not read; measured again, and the kernel's share read from its TCP queues.</li>
 *   <li>Every connection closes, the child exits, and its process must be gone.</li>
 * </ol>
 * What the warm-up leaves behind (compiled code, pooled buffers) is in the baseline: it does not grow with the
 * number of connections, so it is not memory per connection.
 *
 * <p><b>Why settle.</b> A server may keep memory for a while after a connection opens or closes: chat-nio keeps
 * each TLS handshake, with its 16 KiB input buffer, reachable from its cancelled handshake-timeout timer until
 * the timer's deadline (10 s after the handshake began), whether the connection is still open or not. Measuring
 * after a pause longer than that gives the steady state of long-lived connections; {@code settle} 0 measures at
 * once.
 *
 * <p>Threading: {@link #run} on one thread.
 */
final class MemoryRun {

    /**
     * What to run.
     *
     * @param connections  idle connections to measure (at least 2: two halves)
     * @param backlogBytes bytes queued toward each connection in the backlog phase; 0 for none
     * @param heap         the child JVM's fixed heap ({@code -Xms = -Xmx}), a JVM size such as {@code 1g}
     * @param jvmOptions   more options for the child JVM (native memory tracking, say)
     * @param warmup       connections opened and closed before the baseline
     * @param threads      client threads opening connections
     * @param settleNanos  pause before each idle measurement (see the class comment)
     * @param timeoutNanos bound of each phase (connecting, sending the backlog, each command to the child)
     * @param resumeTls    whether TLS clients share one session cache, so that every connection after the first
     *                     resumes a session (as reconnecting clients do); otherwise each is a new client and
     *                     makes a full handshake
     */
    record Settings(int connections, int backlogBytes, String heap, List<String> jvmOptions, int warmup, int threads,
                    long settleNanos, long timeoutNanos, boolean resumeTls) {
    }

    /**
     * The measurements of one implementation.
     *
     * @param half       after the first {@code connections / 2} connections
     * @param backlog    after the backlog, or null without one
     * @param queued     bytes queued toward each connection in the backlog (whole lines), 0 without one
     * @param kernel     the kernel's TCP queues of the server's connections after the backlog, or null
     * @param serverPid  the child process, gone by the time this is returned
     */
    record Result(String impl, int connections, Measurement baseline, Measurement half, Measurement idle,
                  Measurement backlog, long queued, KernelQueues kernel, long serverPid) {

        /** Heap growth per connection from the baseline to {@code m}, in bytes. */
        double heapPerConnection(Measurement m) {
            return (m.heap() - baseline.heap()) / (double) connections;
        }

        /** Resident-set growth per connection from the baseline to {@code m}: off-heap, as the heap is pre-touched. */
        double offHeapPerConnection(Measurement m) {
            return (m.rss() - baseline.rss()) / (double) connections;
        }

        /** Direct-buffer memory growth per connection from the baseline to {@code m}; NaN if unknown. */
        double directPerConnection(Measurement m) {
            return m.direct() < 0 || baseline.direct() < 0 ? Double.NaN
                    : (m.direct() - baseline.direct()) / (double) connections;
        }

        /** Heap and off-heap growth per connection of the second half of the connections alone. */
        double secondHalfPerConnection() {
            return (idle.heap() + idle.rss() - half.heap() - half.rss()) / (double) (connections - connections / 2);
        }

        /** Bytes per connection in the kernel's queues after the backlog, or -1. */
        double kernelPerConnection() {
            return kernel == null || kernel.total() < 0 ? -1 : kernel.total() / (double) connections;
        }
    }

    private MemoryRun() {
    }

    /** Measures {@code impl}, one of {@link MemoryMain#IMPLEMENTATIONS}. */
    static Result run(String impl, Settings s) throws IOException, InterruptedException {
        SSLContext tls = impl.endsWith("-tls") ? BenchTls.clientContext() : null;
        long timeout = s.timeoutNanos();
        Progress progress = new Progress(impl);
        ServerProcess server = ServerProcess.start(impl, s.heap(), s.jvmOptions(), timeout);
        progress.done("server pid " + server.handle().pid() + " on " + server.address());
        Result result;
        try (ClientConnections clients = new ClientConnections(server.address(), tls, s.resumeTls(), s.threads())) {
            long listening = server.sockets();
            if (s.warmup() > 0) {
                try (ClientConnections warmup = new ClientConnections(server.address(), tls, s.resumeTls(), s.threads())) {
                    warmup.add(s.warmup(), timeout);
                    if (s.backlogBytes() > 0) {
                        warmup.sendBacklog(s.backlogBytes(), timeout);
                    }
                }
                server.awaitSockets(listening, timeout);
                progress.done("warm-up");
            }
            Measurement baseline = settleAndMeasure(server, s, progress, "baseline");
            int half = s.connections() / 2;
            clients.add(half, timeout);
            server.awaitSockets(listening + half, timeout);
            Measurement halfway = settleAndMeasure(server, s, progress, half + " connections");
            clients.add(s.connections() - half, timeout);
            server.awaitSockets(listening + s.connections(), timeout);
            Measurement idle = settleAndMeasure(server, s, progress, s.connections() + " connections");
            Measurement backlog = null;
            KernelQueues kernel = null;
            long queued = 0;
            if (s.backlogBytes() > 0) {
                queued = clients.sendBacklog(s.backlogBytes(), timeout);
                backlog = server.measure();
                kernel = KernelQueues.of(server.address().getPort());
                progress.done("backlog " + backlog + ", " + kernel);
            }
            result = new Result(impl, s.connections(), baseline, halfway, idle, backlog, queued, kernel,
                    server.handle().pid());
        } finally {
            server.close();
        }
        if (!server.handle().onExit().thenApply(p -> true).completeOnTimeout(false, 10, TimeUnit.SECONDS).join()) {
            throw new IllegalStateException("the server process " + server.handle().pid() + " is still running");
        }
        return result;
    }

    private static Measurement settleAndMeasure(ServerProcess server, Settings s, Progress progress, String what)
            throws IOException, InterruptedException {
        // Waits out the servers' own timers (see the class comment): time-based state, nothing to wait on.
        TimeUnit.NANOSECONDS.sleep(s.settleNanos());
        Measurement m = server.measure();
        progress.done(what + ": " + m);
        return m;
    }

    /** Prints each phase's end and duration on standard error. One thread. */
    private static final class Progress {
        private final String impl;
        /** When the previous phase ended. */
        private long last = System.nanoTime();

        Progress(String impl) {
            this.impl = impl;
        }

        void done(String phase) {
            long now = System.nanoTime();
            System.err.printf("%s: %s (%.1f s)%n", impl, phase, (now - last) / 1e9);
            last = now;
        }
    }
}
