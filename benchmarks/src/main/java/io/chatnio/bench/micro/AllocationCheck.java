package io.chatnio.bench.micro;

import io.chatnio.bench.LoadDriver;
import io.chatnio.bench.SeedServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Bytes allocated by the chat-nio seed server's loop thread per forwarded message, measured directly with
 * {@link com.sun.management.ThreadMXBean#getThreadAllocatedBytes(long)} on that one thread (found by its name
 * prefix {@value #LOOP_THREAD_PREFIX}), so neither the driver nor JMH is counted. It also prints the CPU time
 * of the loop thread and of the driver thread ({@code load-driver}) as a share of one core.
 *
 * <p>The load is {@link LoadDriver#forwarding} (window 32) against {@code SeedServer.start("chatnio", ...)}: a
 * warm-up of {@code warmup} messages (so the JIT has compiled the hot path and the pools are full), then
 * {@code count} measured messages.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.micro.AllocationCheck [PAIRS [PAYLOAD [WARMUP [COUNT]]]]
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.micro.AllocationCheck 1 64 300000 2000000
 * </pre>
 *
 * <p>The JMH way to the same number, for the whole JVM (server, driver and JMH together):
 * {@code java -jar benchmarks/target/benchmarks.jar ForwardingBenchmark -p impl=chatnio -p pairs=1
 * -p payload=64 -prof gc}: {@code gc.alloc.rate.norm} is then bytes allocated per forwarded message, since one
 * JMH operation is one delivered message.
 *
 * <p>Threading: the main thread starts the server and the driver and then only waits and reads counters.
 */
public final class AllocationCheck {

    /** The name {@code ChatNioSeedServer} gives its reactor's loop thread. */
    static final String LOOP_THREAD_PREFIX = "chat-nio-bench";
    static final String DRIVER_THREAD = "load-driver";

    private AllocationCheck() {
    }

    /** What one measurement found. */
    record Result(long messages, long loopBytes, double seconds, long loopCpuNanos, long driverCpuNanos) {

        double bytesPerMessage() {
            return (double) loopBytes / messages;
        }

        @Override
        public String toString() {
            return String.format("%,d messages in %.2f s (%,.0f msg/s)%n"
                            + "loop thread allocated %,d bytes: %.3f bytes per forwarded message%n"
                            + "CPU: loop thread %.0f %% of a core (%.0f ns per message), driver thread %.0f %% of a core (%.0f ns per message)",
                    messages, seconds, messages / seconds, loopBytes, bytesPerMessage(),
                    100 * loopCpuNanos / (seconds * 1e9), (double) loopCpuNanos / messages,
                    100 * driverCpuNanos / (seconds * 1e9), (double) driverCpuNanos / messages);
        }
    }

    public static void main(String[] args) throws IOException {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int payload = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        long warmup = args.length > 2 ? Long.parseLong(args[2]) : 300_000;
        long count = args.length > 3 ? Long.parseLong(args[3]) : 2_000_000;
        System.out.printf("chatnio forwarding pairs=%d payload=%d window=32, warm-up %,d, measuring %,d%n",
                pairs, payload, warmup, count);
        System.out.println(measure(pairs, payload, warmup, count));
    }

    /** Runs a server and a driver, warms up, and measures {@code count} forwarded messages. */
    static Result measure(int pairs, int payload, long warmup, long count) throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!threads.isThreadAllocatedMemoryEnabled() || !threads.isThreadCpuTimeEnabled()) {
            throw new IllegalStateException("thread allocation or CPU time accounting is disabled in this JVM");
        }
        long timeout = TimeUnit.SECONDS.toNanos(60);
        try (SeedServer server = SeedServer.start("chatnio", new InetSocketAddress("127.0.0.1", 0));
             LoadDriver driver = LoadDriver.forwarding(server.address(), pairs, payload, 32, timeout)) {
            long loop = threadId(LOOP_THREAD_PREFIX);
            long drv = threadId(DRIVER_THREAD);
            await(driver, driver.delivered() + warmup, timeout);

            long m0 = driver.delivered();
            long b0 = threads.getThreadAllocatedBytes(loop);
            long c0 = threads.getThreadCpuTime(loop);
            long d0 = threads.getThreadCpuTime(drv);
            long t0 = System.nanoTime();
            await(driver, m0 + count, timeout);
            long b1 = threads.getThreadAllocatedBytes(loop);
            long c1 = threads.getThreadCpuTime(loop);
            long d1 = threads.getThreadCpuTime(drv);
            long t1 = System.nanoTime();
            long m1 = driver.delivered();
            return new Result(m1 - m0, b1 - b0, (t1 - t0) / 1e9, c1 - c0, d1 - d0);
        }
    }

    private static void await(LoadDriver driver, long target, long timeoutNanos) {
        if (!driver.awaitDelivered(target, timeoutNanos)) {
            throw new IllegalStateException(driver + " stalled at " + driver.delivered() + " of " + target);
        }
    }

    /** The id of the one live thread whose name starts with {@code prefix}. */
    private static long threadId(String prefix) {
        long id = -1;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                if (id != -1) {
                    throw new IllegalStateException("more than one thread named " + prefix + "*");
                }
                id = t.getId();
            }
        }
        if (id == -1) {
            throw new IllegalStateException("no thread named " + prefix + "*");
        }
        return id;
    }
}
