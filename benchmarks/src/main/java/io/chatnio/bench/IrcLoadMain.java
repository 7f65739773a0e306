package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs one IRC scenario outside JMH and prints, once a second, the delivery rate and the CPU time per
 * delivered message of the server and of the driver thread, as {@link LoadMain} does for the seed protocol:
 * whether a score is the server's limit or the driver's, and what a delivery costs each IRC server. The
 * server's CPU is, for {@code chatnio-irc}, that of every thread of this JVM but the driver and the main
 * thread; for {@code ngircd}, that of its process ({@code utime + stime} of {@code /proc/<pid>/stat}, in
 * 10 ms ticks). The summary line covers the seconds after the first third of the run.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.IrcLoadMain IMPL pairs|channel N PAYLOAD WINDOW SECONDS
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.IrcLoadMain ngircd channel 1000 64 32 15
 * </pre>
 *
 * <p>Threading: the main thread starts the server and driver, then waits on the driver each second.
 */
public final class IrcLoadMain {

    /** Linux's USER_HZ: the unit of the times in {@code /proc/<pid>/stat}. */
    private static final long NANOS_PER_TICK = TimeUnit.SECONDS.toNanos(1) / 100;

    private IrcLoadMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 6) {
            System.err.println("usage: IrcLoadMain chatnio-irc|ngircd pairs|channel N PAYLOAD WINDOW SECONDS");
            System.exit(2);
        }
        String impl = args[0];
        boolean channel = switch (args[1]) {
            case "pairs" -> false;
            case "channel" -> true;
            default -> throw new IllegalArgumentException("scenario: pairs or channel, not " + args[1]);
        };
        int n = Integer.parseInt(args[2]);
        int payload = Integer.parseInt(args[3]);
        int window = Integer.parseInt(args[4]);
        int seconds = Integer.parseInt(args[5]);
        long setupTimeout = TimeUnit.SECONDS.toNanos(60);
        try (IrcTarget server = IrcTarget.start(impl);
             IrcDriver driver = channel
                     ? IrcDriver.channel(server, n, payload, window, setupTimeout)
                     : IrcDriver.forwarding(server, n, payload, window, setupTimeout)) {
            System.out.println(server + " " + driver);
            LoadReport.run(driver, seconds, () -> cpu(server), () -> "  pongs " + driver.pongs());
        }
    }

    /**
     * CPU time so far, in nanoseconds: [0] of the server (ngircd's process, or every thread of this JVM but
     * the driver and this one), [1] of the driver thread. JIT and GC threads are not Java threads and are not
     * counted.
     */
    private static long[] cpu(IrcTarget server) throws IOException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        long[] cpu = new long[2];
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null || info.getThreadId() == self) {
                continue;
            }
            long t = threads.getThreadCpuTime(info.getThreadId());
            if (t > 0) {
                cpu[IrcLoop.THREAD_NAME.equals(info.getThreadName()) ? 1 : 0] += t;
            }
        }
        if (server instanceof Ngircd ngircd) {
            cpu[0] = processCpuNanos(ngircd.pid());
        }
        return cpu;
    }

    /** {@code utime + stime} of process {@code pid}, from {@code /proc/<pid>/stat}, in nanoseconds. */
    private static long processCpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), US_ASCII);
        // Fields after the command name (in parentheses, which may hold spaces): state is field 3, utime 14, stime 15.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
    }
}
