package io.chatnio.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The once-a-second report of the load mains ({@link LoadMain}, {@link IrcLoadMain}): messages delivered and
 * CPU nanoseconds per message of the server and of the driver thread for each second, then the same summed
 * over the seconds after the first third (the steady state).
 *
 * <p>Threading: called on the main thread, which it parks on the driver each second.
 */
final class LoadReport {

    /** CPU time so far, in nanoseconds: [0] of the server, [1] of the driver thread. */
    interface CpuClock {
        long[] read() throws IOException;
    }

    private LoadReport() {
    }

    /**
     * Prints a line a second for {@code seconds} seconds, then the steady line followed by {@code extra}
     * (empty or a leading space and more).
     */
    static void run(DeliveryCounter driver, int seconds, CpuClock cpuClock, Supplier<String> extra) throws IOException {
        long start = System.nanoTime();
        long previous = driver.delivered();
        long[] cpu = cpuClock.read();
        long steadyFrom = seconds / 3;
        long steadyMessages = 0;
        long[] steadyCpu = new long[2];
        for (int s = 1; s <= seconds; s++) {
            long deadline = start + TimeUnit.SECONDS.toNanos(s);
            // Waits for an unreachable count: returns false at the deadline (or throws on failure).
            driver.awaitDelivered(Long.MAX_VALUE, deadline - System.nanoTime());
            long now = driver.delivered();
            long[] cpuNow = cpuClock.read();
            long messages = Math.max(1, now - previous);
            System.out.printf("%3d s  %,12d msg/s  server %6.0f ns/msg  driver %6.0f ns/msg%n", s, now - previous,
                    (cpuNow[0] - cpu[0]) / (double) messages, (cpuNow[1] - cpu[1]) / (double) messages);
            if (s > steadyFrom) {
                steadyMessages += now - previous;
                steadyCpu[0] += cpuNow[0] - cpu[0];
                steadyCpu[1] += cpuNow[1] - cpu[1];
            }
            previous = now;
            cpu = cpuNow;
        }
        long steadySeconds = seconds - steadyFrom;
        System.out.printf("steady %,12.0f msg/s  server %6.0f ns/msg  driver %6.0f ns/msg%s%n",
                steadyMessages / (double) steadySeconds, steadyCpu[0] / (double) Math.max(1, steadyMessages),
                steadyCpu[1] / (double) Math.max(1, steadyMessages), extra.get());
    }
}
