package io.chatnio.bench.memory;

import io.chatnio.bench.memory.MemoryRun.Result;
import io.chatnio.bench.memory.MemoryRun.Settings;
import io.chatnio.bench.memory.ServerProcess.Measurement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Memory per connection of seed servers (not a JMH benchmark): each implementation runs in a child JVM with a
 * fixed, pre-touched heap and the serial collector; this JVM opens the connections. Per connection, from a
 * baseline taken after a warm-up ({@link MemoryRun} gives the phases):
 * <ul>
 *   <li><b>idle</b>: N connections open (TLS: handshake done; each client new, so a full handshake, unless
 *   {@code --tls-resume}: one session cache, every connection after the first resumes), each used once (a line
 *   to itself), then idle;</li>
 *   <li><b>backlog</b>: then K bytes queued toward each, which its client never reads.</li>
 * </ul>
 * and for each: <b>heap</b> = growth of the used heap after full collections; <b>off-heap</b> = growth of the
 * resident set ({@code VmRSS}), which with a pre-touched heap is memory outside it (direct buffers, native);
 * after the backlog, <b>kernel</b> = bytes in the TCP queues of the server's connections and of their clients:
 * of the K bytes, those did not have to stay in the server. Clients ask for a 4 KiB receive buffer, but on
 * loopback (64 KiB MSS) Linux gives each accepted socket a send buffer of about 4 MB at once, so a backlog of
 * up to {@value #MAX_BACKLOG} bytes ends up in the kernel, not in the server, unless the server's sockets
 * get a small send buffer: {@code --jvm -Dbench.sendBuffer=4096} (see {@link io.chatnio.bench.SeedServer#SEND_BUFFER_PROPERTY}).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.memory.MemoryMain \
 *     [--connections 10000] [--backlog 65536] [--heap 1g] [--jvm OPTION]... [--warmup 500] [--threads 4] \
 *     [--settle 12] [--timeout 300] [--tls-resume] [--json FILE] [IMPL ...]  # IMPL: chatnio netty chatnio-tls netty-tls (default all)
 * </pre>
 * Needs {@code ulimit -n} (the hard limit: the JVM raises its soft limit to it) above N + 256 and as many
 * ephemeral ports as N + warm-up; it checks both and changes nothing system-wide.
 *
 * <p>Threading: the main thread runs one implementation after another.
 */
public final class MemoryMain {

    /** The implementations measured by default, as {@link io.chatnio.bench.SeedServer#start} names them. */
    static final List<String> IMPLEMENTATIONS = List.of("chatnio", "netty", "chatnio-tls", "netty-tls");
    /** Descriptors a process needs besides its connections (JDK, jars, the listener, pipes). */
    private static final int SPARE_DESCRIPTORS = 256;
    /** The largest backlog: below both servers' high watermark (256 KiB), so no sender is ever paused. */
    static final int MAX_BACKLOG = 128 * 1024;

    private MemoryMain() {
    }

    public static void main(String[] args) throws Exception {
        int connections = 10_000;
        int backlog = 64 * 1024;
        String heap = "1g";
        int warmup = 500;
        int threads = 4;
        long timeoutSeconds = 300;
        long settleSeconds = 12;
        boolean resumeTls = false;
        Path json = null;
        List<String> impls = new ArrayList<>();
        List<String> jvmOptions = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--tls-resume")) {
                resumeTls = true;
                continue;
            }
            if (a.startsWith("--") && i + 1 >= args.length) {
                usage("missing the value of " + a);
            }
            switch (a) {
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--backlog" -> backlog = Integer.parseInt(args[++i]);
                case "--heap" -> heap = args[++i];
                case "--jvm" -> jvmOptions.add(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--timeout" -> timeoutSeconds = Long.parseLong(args[++i]);
                case "--settle" -> settleSeconds = Long.parseLong(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                default -> {
                    if (a.startsWith("--") || !IMPLEMENTATIONS.contains(a)) {
                        usage("unknown argument " + a);
                    }
                    impls.add(a);
                }
            }
        }
        if (connections < 2 || warmup < 0 || threads < 1 || timeoutSeconds < 1 || settleSeconds < 0 || backlog < 0
                || backlog > MAX_BACKLOG) {
            usage("out of range: connections >= 2, 0 <= backlog <= " + MAX_BACKLOG + ", warmup >= 0, threads >= 1,"
                    + " timeout >= 1, settle >= 0");
        }
        if (impls.isEmpty()) {
            impls.addAll(IMPLEMENTATIONS);
        }
        String limits = checkLimits(connections, warmup);
        if (limits != null) {
            System.err.println(limits);
            System.exit(1);
        }
        Settings settings = new Settings(connections, backlog, heap, jvmOptions, warmup, threads,
                TimeUnit.SECONDS.toNanos(settleSeconds), TimeUnit.SECONDS.toNanos(timeoutSeconds), resumeTls);
        List<Result> results = new ArrayList<>();
        for (String impl : impls) {
            long start = System.nanoTime();
            Result r = MemoryRun.run(impl, settings);
            System.err.printf("%s: done in %.1f s (server pid %d, exited)%n", impl,
                    (System.nanoTime() - start) / 1e9, r.serverPid());
            results.add(r);
        }
        System.out.print(table(settings, results));
        if (json != null) {
            Files.writeString(json, json(settings, results), StandardCharsets.UTF_8);
            System.out.println("written: " + json);
        }
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: MemoryMain [--connections N] [--backlog BYTES] [--heap SIZE] [--jvm OPTION]..."
                + " [--warmup N]"
                + " [--threads N] [--settle SECONDS] [--timeout SECONDS] [--tls-resume] [--json FILE] [IMPL ...]; IMPL: "
                + IMPLEMENTATIONS);
        System.exit(2);
    }

    /**
     * Whether this process (and so the child, which inherits the limits) may open the connections, and whether
     * there are ephemeral ports for them: null if so, else what to change.
     */
    static String checkLimits(int connections, int warmup) throws IOException {
        long needed = (long) connections + SPARE_DESCRIPTORS;
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("Max open files")) {
                long soft = Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
                if (soft < needed) {
                    return String.format("%,d connections need %,d descriptors in this process and in the server's,"
                            + " but this JVM may open only %,d (the hard limit, ulimit -Hn: the JVM raises its soft"
                            + " limit to it). Raise the hard limit, or pass --connections below %,d.",
                            connections, needed, soft, soft - SPARE_DESCRIPTORS);
                }
            }
        }
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (Files.isReadable(range)) {
            String[] r = Files.readAllLines(range).get(0).trim().split("\\s+");
            long ports = Long.parseLong(r[1]) - Long.parseLong(r[0]) + 1;
            if (ports < (long) connections + warmup + 1) {
                return String.format("%,d connections and %,d warm-up connections need as many local ports, but"
                        + " net.ipv4.ip_local_port_range has %,d.", connections, warmup, ports);
            }
        }
        return null;
    }

    /** The per-connection figures, one row per implementation. */
    static String table(Settings s, List<Result> results) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Memory per connection: %,d connections, server heap %s (pre-touched,"
                + " serial GC), warm-up %,d, settle %d s%s, TLS clients %s%s%n", s.connections(), s.heap(), s.warmup(),
                TimeUnit.NANOSECONDS.toSeconds(s.settleNanos()),
                s.backlogBytes() > 0 ? ", backlog " + results.get(0).queued() + " B per connection" : "",
                s.resumeTls() ? "resume sessions" : "each a full handshake",
                s.jvmOptions().isEmpty() ? "" : ", server JVM " + String.join(" ", s.jvmOptions())));
        out.append(String.format(Locale.ROOT, "%-12s %8s %8s %8s %8s %8s | %8s %8s %8s %9s%n", "bytes/conn",
                "heap", "direct", "off-heap", "total", "2nd half", "bl heap", "direct", "off-heap", "in kernel"));
        for (Result r : results) {
            Measurement idle = r.idle();
            out.append(String.format(Locale.ROOT, "%-12s %,8.0f %,8.0f %,8.0f %,8.0f %,8.0f", r.impl(),
                    r.heapPerConnection(idle), r.directPerConnection(idle), r.offHeapPerConnection(idle),
                    r.heapPerConnection(idle) + r.offHeapPerConnection(idle), r.secondHalfPerConnection()));
            Measurement bl = r.backlog();
            if (bl != null) {
                out.append(String.format(Locale.ROOT, " | %,8.0f %,8.0f %,8.0f %,9.0f", r.heapPerConnection(bl),
                        r.directPerConnection(bl), r.offHeapPerConnection(bl), r.kernelPerConnection()));
            }
            out.append('\n');
        }
        out.append("Growth from the baseline: heap = used heap after full GCs; direct = direct buffers (native memory"
                + " tracking); off-heap = resident set\n(the heap is pre-touched; includes direct, the JIT's code and"
                + " memory); total = heap + off-heap; 2nd half = total of the second half\nof the connections alone;"
                + " bl = with the backlog queued; in kernel = TCP queues of both ends.\n");
        return out.toString();
    }

    /** All raw figures, as JSON. */
    static String json(Settings s, List<Result> results) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "{\"connections\": %d, \"backlogBytes\": %d, \"heap\": \"%s\","
                + " \"warmup\": %d, \"settleSeconds\": %d, \"tlsResume\": %b, \"jvmOptions\": \"%s\", \"results\": [",
                s.connections(), s.backlogBytes(), s.heap(), s.warmup(), TimeUnit.NANOSECONDS.toSeconds(s.settleNanos()),
                s.resumeTls(), String.join(" ", s.jvmOptions()).replace("\\", "\\\\").replace("\"", "\\\"")));
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            out.append(i == 0 ? "\n" : ",\n");
            out.append(String.format(Locale.ROOT, "  {\"impl\": \"%s\", \"queuedPerConnection\": %d,"
                    + " \"baseline\": %s, \"half\": %s, \"idle\": %s, \"backlog\": %s,", r.impl(), r.queued(),
                    json(r.baseline()), json(r.half()), json(r.idle()), json(r.backlog())));
            out.append(String.format(Locale.ROOT, " \"kernelServerSend\": %d, \"kernelClientReceive\": %d,",
                    r.kernel() == null ? -1 : r.kernel().serverSend(),
                    r.kernel() == null ? -1 : r.kernel().clientReceive()));
            out.append(String.format(Locale.ROOT, " \"perConnection\": {\"idleHeap\": %.1f, \"idleDirect\": %.1f,"
                    + " \"idleOffHeap\": %.1f, \"idleSecondHalf\": %.1f", r.heapPerConnection(r.idle()),
                    r.directPerConnection(r.idle()), r.offHeapPerConnection(r.idle()), r.secondHalfPerConnection()));
            if (r.backlog() != null) {
                out.append(String.format(Locale.ROOT, ", \"backlogHeap\": %.1f, \"backlogDirect\": %.1f,"
                        + " \"backlogOffHeap\": %.1f, \"backlogInKernel\": %.1f", r.heapPerConnection(r.backlog()),
                        r.directPerConnection(r.backlog()), r.offHeapPerConnection(r.backlog()),
                        r.kernelPerConnection()));
            }
            out.append("}}");
        }
        return out.append("\n]}\n").toString();
    }

    private static String json(Measurement m) {
        return m == null ? "null" : String.format(Locale.ROOT,
                "{\"heap\": %d, \"rss\": %d, \"direct\": %d, \"sockets\": %d}", m.heap(), m.rss(), m.direct(),
                m.sockets());
    }
}
