package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Fork;

/**
 * The open-loop latency scenario ({@link LatencyDriver}) over several servers and offered rates: prints a
 * table and writes a CSV file (one row per server and rate) and each run's HdrHistogram percentile
 * distribution ({@code .hgrm}, in microseconds). Chart: {@code benchmarks/chart/latency_chart.py}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.chatnio.bench.LatencyMain \
 *     --impl chatnio,netty,netty-batched --rates 25%,50%,90% --max 1200000 --out latency
 * </pre>
 * Options (defaults in brackets): {@code --impl} [chatnio,netty,netty-batched]; {@code --rates}, messages per
 * second over all pairs, absolute or as a percentage of {@code --max} [25%,50%,90%]; {@code --pairs} [100];
 * {@code --payload} bytes [64]; {@code --warmup} and {@code --duration} seconds [10, 20]; {@code --drain}
 * seconds allowed after the schedule for the last deliveries [10]; {@code --out} path prefix [latency];
 * {@code --no-fork} to run every server in this JVM.
 *
 * <p>Each server runs in a JVM of its own, started with {@link LoadBenchmark}'s JVM options (as a JMH fork
 * would be), so one server's JIT profile or heap cannot colour the next one's numbers. Within it the server
 * starts once and serves every rate in turn, each with new connections and its own warm-up.
 *
 * <p>Threading: the main thread does everything; in a server's JVM it is the driver thread.
 */
public final class LatencyMain {

    /** How a server's JVM reports a result line to the parent: this prefix, then the CSV row. */
    private static final String ROW = "ROW,";
    static final String CSV_HEADER = "impl,offered_per_s,rate_label,pairs,payload,warmup_s,duration_s,scheduled,"
            + "sent,received,measured,p50_us,p90_us,p99_us,p99_9_us,p99_99_us,max_us,mean_us,send_lag_p99_us,"
            + "send_lag_max_us";
    private static final long SETUP_NANOS = TimeUnit.SECONDS.toNanos(60);

    private LatencyMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> options = parse(args);
        List<String> impls = List.of(options.get("impl").split(","));
        for (String impl : impls) {
            if (!SeedServer.NAMES.contains(impl)) {
                throw new IllegalArgumentException("unknown server '" + impl + "', expected " + SeedServer.NAMES);
            }
        }
        if (options.containsKey("child")) {
            runServer(impls.get(0), options, System.out);
            return;
        }
        List<String> rows = new ArrayList<>();
        for (String impl : impls) {
            if (options.containsKey("no-fork")) {
                rows.addAll(runServer(impl, options, System.out));
            } else {
                rows.addAll(fork(impl, args, options));
            }
        }
        Path csv = Path.of(options.get("out") + ".csv");
        Files.write(csv, concat(CSV_HEADER, rows), UTF_8);
        System.out.println();
        printTable(rows, System.out);
        System.out.println("\nwrote " + csv + " and " + options.get("out") + "-IMPL-RATE.hgrm");
    }

    /** Runs {@code impl} at every rate in this JVM; prints progress and returns the CSV rows. */
    private static List<String> runServer(String impl, Map<String, String> options, PrintStream out)
            throws IOException {
        long max = Long.parseLong(options.getOrDefault("max", "0"));
        int pairs = Integer.parseInt(options.get("pairs"));
        int payload = Integer.parseInt(options.get("payload"));
        long warmup = TimeUnit.SECONDS.toNanos(Long.parseLong(options.get("warmup")));
        long duration = TimeUnit.SECONDS.toNanos(Long.parseLong(options.get("duration")));
        long drain = TimeUnit.SECONDS.toNanos(Long.parseLong(options.get("drain")));
        List<String> rows = new ArrayList<>();
        try (SeedServer server = SeedServer.start(impl, new InetSocketAddress("127.0.0.1", 0))) {
            for (String label : options.get("rates").split(",")) {
                long rate = rate(label, max);
                out.printf("%s: %,d msg/s (%s), %d pairs x %d B, %d s warm-up + %d s%n", impl, rate, label, pairs,
                        payload, TimeUnit.NANOSECONDS.toSeconds(warmup), TimeUnit.NANOSECONDS.toSeconds(duration));
                LatencyDriver.Config config = new LatencyDriver.Config(pairs, payload, rate, warmup, duration, drain,
                        SETUP_NANOS);
                LatencyDriver.Result result = LatencyDriver.run(server.address(), config);
                String row = row(impl, label, result);
                rows.add(row);
                out.println(ROW + row);
                Path hgrm = Path.of(options.get("out") + "-" + impl + "-" + label.replace("%", "pct") + ".hgrm");
                try (PrintStream file = new PrintStream(Files.newOutputStream(hgrm), true, UTF_8)) {
                    result.latency().outputPercentileDistribution(file, 1000.0);
                }
            }
        }
        return rows;
    }

    /** Runs {@code impl} in a new JVM with {@link LoadBenchmark}'s options; returns its CSV rows. */
    private static List<String> fork(String impl, String[] args, Map<String, String> options)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(LoadBenchmark.class.getAnnotation(Fork.class).jvmArgsAppend()));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LatencyMain.class.getName()));
        for (String arg : args) {
            command.add(arg);
        }
        command.addAll(List.of("--impl", impl, "--child"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        long perRate = SETUP_NANOS + TimeUnit.SECONDS.toNanos(Long.parseLong(options.get("warmup"))
                + Long.parseLong(options.get("duration")) + Long.parseLong(options.get("drain")));
        long timeout = SETUP_NANOS + perRate * options.get("rates").split(",").length;
        // A JVM that outlives its bound is destroyed, which closes its output and ends the reading below.
        process.onExit().orTimeout(timeout, TimeUnit.NANOSECONDS).exceptionally(t -> {
            process.destroyForcibly();
            return null;
        });
        List<String> rows = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
            // Ends when the JVM exits or is destroyed.
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith(ROW)) {
                    rows.add(line.substring(ROW.length()));
                } else {
                    System.out.println("  [" + impl + "] " + line);
                }
            }
        }
        if (process.waitFor() != 0) {
            throw new IllegalStateException(impl + ": the server's JVM exited with " + process.exitValue());
        }
        return rows;
    }

    /** {@code 300000} or, with {@code max}, {@code 25%}. */
    static long rate(String label, long max) {
        if (label.endsWith("%")) {
            if (max <= 0) {
                throw new IllegalArgumentException("rate " + label + " needs --max MESSAGES_PER_SECOND");
            }
            return Math.max(1, Math.round(max * Double.parseDouble(label.substring(0, label.length() - 1)) / 100));
        }
        return Long.parseLong(label);
    }

    static String row(String impl, String label, LatencyDriver.Result r) {
        LatencyDriver.Config c = r.config();
        Histogram h = r.latency();
        return String.join(",", impl, Long.toString(c.ratePerSecond()), label, Integer.toString(c.pairs()),
                Integer.toString(c.payloadBytes()), seconds(c.warmupNanos()), seconds(c.durationNanos()),
                Long.toString(r.scheduled()), Long.toString(r.sent()), Long.toString(r.received()),
                Long.toString(r.measured()), micros(h.getValueAtPercentile(50)), micros(h.getValueAtPercentile(90)),
                micros(h.getValueAtPercentile(99)), micros(h.getValueAtPercentile(99.9)),
                micros(h.getValueAtPercentile(99.99)), micros(h.getMaxValue()), micros(Math.round(h.getMean())),
                micros(r.sendLag().getValueAtPercentile(99)), micros(r.sendLag().getMaxValue()));
    }

    private static void printTable(List<String> rows, PrintStream out) {
        out.printf("%-14s %14s %9s %9s %9s %9s %9s %9s %9s %11s%n", "impl", "offered msg/s", "rate", "complete",
                "p50 us", "p99 us", "p99.9 us", "max us", "mean us", "lag p99 us");
        String[] header = CSV_HEADER.split(",");
        for (String row : rows) {
            String[] v = row.split(",");
            Map<String, String> f = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                f.put(header[i], v[i]);
            }
            boolean complete = f.get("received").equals(f.get("scheduled")) && f.get("sent").equals(f.get("scheduled"));
            out.printf(Locale.ROOT, "%-14s %,14d %9s %9s %9s %9s %9s %9s %9s %11s%n", f.get("impl"),
                    Long.parseLong(f.get("offered_per_s")), f.get("rate_label"), complete ? "yes" : "NO",
                    f.get("p50_us"), f.get("p99_us"), f.get("p99_9_us"), f.get("max_us"), f.get("mean_us"),
                    f.get("send_lag_p99_us"));
        }
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.0f", nanos / 1e9);
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** {@code --name value} pairs over the defaults; {@code --child} and {@code --no-fork} take no value. */
    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>(Map.of("impl", "chatnio,netty,netty-batched",
                "rates", "25%,50%,90%", "pairs", "100", "payload", "64", "warmup", "10", "duration", "20",
                "drain", "10", "out", "latency"));
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!name.startsWith("--")) {
                throw new IllegalArgumentException("expected --option, got " + name);
            }
            name = name.substring(2);
            if (name.equals("child") || name.equals("no-fork")) {
                options.put(name, "");
            } else if (i + 1 < args.length && (options.containsKey(name) || name.equals("max"))) {
                options.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("unknown option or missing value: --" + name);
            }
        }
        return options;
    }
}
