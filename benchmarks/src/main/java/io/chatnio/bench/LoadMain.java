package io.chatnio.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Runs one scenario outside JMH and prints the delivery rate once a second: for looking at the shape of
 * a run (stalls, oscillation) and for profiling.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.LoadMain IMPL forwarding|fanout N PAYLOAD WINDOW SECONDS
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.LoadMain netty forwarding 1000 1024 32 10
 * </pre>
 *
 * <p>Threading: the main thread starts the server and driver, then waits on the driver each second.
 */
public final class LoadMain {

    private LoadMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 6) {
            System.err.println("usage: LoadMain IMPL forwarding|fanout N PAYLOAD WINDOW SECONDS");
            System.exit(2);
        }
        String impl = args[0];
        boolean fanout = switch (args[1]) {
            case "forwarding" -> false;
            case "fanout" -> true;
            default -> throw new IllegalArgumentException("scenario: forwarding or fanout, not " + args[1]);
        };
        int n = Integer.parseInt(args[2]);
        int payload = Integer.parseInt(args[3]);
        int window = Integer.parseInt(args[4]);
        int seconds = Integer.parseInt(args[5]);
        long setupTimeout = TimeUnit.SECONDS.toNanos(60);
        try (SeedServer server = SeedServer.start(impl, new InetSocketAddress("127.0.0.1", 0));
             LoadDriver driver = fanout
                     ? LoadDriver.fanout(server.address(), n, payload, window, setupTimeout)
                     : LoadDriver.forwarding(server.address(), n, payload, window, setupTimeout)) {
            System.out.println(impl + " " + driver);
            long start = System.nanoTime();
            long previous = driver.delivered();
            for (int s = 1; s <= seconds; s++) {
                long deadline = start + TimeUnit.SECONDS.toNanos(s);
                // Waits for an unreachable count: returns false at the deadline (or throws on failure).
                driver.awaitDelivered(Long.MAX_VALUE, deadline - System.nanoTime());
                long now = driver.delivered();
                System.out.printf("%3d s  %,12d msg/s%n", s, now - previous);
                previous = now;
            }
            long total = driver.delivered();
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("mean   %,12.0f msg/s%n", total / elapsed);
        }
    }
}
