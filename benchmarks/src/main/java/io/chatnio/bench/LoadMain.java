package io.chatnio.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * Runs one scenario outside JMH and prints, once a second, the delivery rate and the CPU time per
 * delivered message of the server's threads and of the driver thread: for looking at the shape of a run
 * (stalls, oscillation), for profiling, and for a cost per message that depends less on what else the
 * machine is doing than a rate does. The summary line covers the seconds after the first third of the run
 * (the JIT has mostly settled by then).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.LoadMain IMPL forwarding|fanout N PAYLOAD WINDOW SECONDS
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.LoadMain netty forwarding 1000 1024 32 10
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.LoadMain chatnio-tls forwarding 100 64 32 10
 * </pre>
 * IMPL is any {@link SeedServer#NAMES} name; for a {@code -tls} server the driver speaks TLS
 * ({@link BenchTls#clientContextFor}), and its encryption and decryption count in the driver's CPU, the
 * server's in the server's.
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
        SSLContext tls = BenchTls.clientContextFor(impl);
        try (SeedServer server = SeedServer.start(impl, new InetSocketAddress("127.0.0.1", 0));
             LoadDriver driver = fanout
                     ? LoadDriver.fanout(server.address(), n, payload, window, setupTimeout, tls)
                     : LoadDriver.forwarding(server.address(), n, payload, window, setupTimeout, tls)) {
            System.out.println(impl + " " + driver);
            LoadReport.run(driver, seconds, LoadMain::cpu, () -> "");
        }
    }

    /**
     * CPU time so far, in nanoseconds: [0] of every thread but the driver and this one (the server's, in
     * practice: this JVM runs nothing else), [1] of the driver thread. JIT and GC threads are not Java
     * threads and are not counted.
     */
    private static long[] cpu() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        long[] cpu = new long[2];
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null || info.getThreadId() == self) {
                continue;
            }
            long t = threads.getThreadCpuTime(info.getThreadId());
            if (t > 0) {
                cpu["load-driver".equals(info.getThreadName()) ? 1 : 0] += t;
            }
        }
        return cpu;
    }
}
