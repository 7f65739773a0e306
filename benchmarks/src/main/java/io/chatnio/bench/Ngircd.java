package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The distribution's ngIRCd as the rival IRC server: started as a foreground process ({@code ngircd -n -f})
 * on 127.0.0.1 with a configuration generated into a temporary directory, its flood protection relaxed as
 * far as ngIRCd allows, and stopped through its {@link Process} handle.
 *
 * <p>What the configuration ({@link #config}) relaxes, per ngircd.conf(5) of ngIRCd 26: no connection limit
 * in total or per IP ({@code MaxConnections}, {@code MaxConnectionsIP} 0), no channel limit per user
 * ({@code MaxJoins} 0), nicks up to 30 bytes as chat-nio's, no DNS, IDENT or PAM lookups (they would delay
 * every registration), and {@code MaxPenaltyTime = 0}, which makes every penalty ngIRCd adds to a client
 * (the 1 s for exceeding its command or byte budget, and the per-command ones) zero seconds. What it cannot
 * switch off for everyone is compiled in: a user's connection handles at most 3 commands per pass of the
 * event loop (10 with user mode {@code +F}, "relaxed flood protection"), reads at most 2 KiB at a time, and
 * is closed if more than 32 KiB wait in its write buffer. {@code +F} can only be set by an IRC operator, so
 * the configuration has an operator ({@link #OPERATOR}) and every client of the load becomes one and sets
 * {@code +F} on itself right after registering ({@link #relax}); the load's window keeps far below the buffer
 * limits. The server's PING to a silent client ({@code PingTimeout}, at least 5 s) stays on: the driver
 * answers it.
 *
 * <p>Threading: {@link #start} on any thread; {@link #address}, {@link #relax}, {@link #pid},
 * {@link #isAlive} and {@link #close} from any thread.
 */
public final class Ngircd implements IrcTarget {

    /** The operator name and password in the generated configuration (127.0.0.1 only). */
    static final String OPERATOR = "bench";
    /** The PING interval for silent clients the benchmarks use: ngIRCd's default. */
    static final int DEFAULT_PING_SECONDS = 120;
    /** The system property naming the ngircd executable, if it is not in the usual places. */
    static final String EXECUTABLE_PROPERTY = "ngircd";

    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long STOP_TIMEOUT_SECONDS = 5;
    private static final int START_ATTEMPTS = 3;

    /** The running server. */
    private final Process process;
    /** The temporary directory with its configuration and log; deleted on close. */
    private final Path directory;
    /** Where it listens. */
    private final InetSocketAddress address;
    /** Kills the process should the JVM exit without {@link #close}; removed by close. */
    private final Thread killer;

    private Ngircd(Process process, Path directory, InetSocketAddress address) {
        this.process = process;
        this.directory = directory;
        this.address = address;
        this.killer = new Thread(process::destroyForcibly, "ngircd-killer");
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /**
     * The ngircd executable: the {@value #EXECUTABLE_PROPERTY} system property, else {@code ngircd} on the
     * PATH, in /usr/sbin or in /usr/local/sbin; empty when none is found.
     */
    public static Optional<Path> executable() {
        String property = System.getProperty(EXECUTABLE_PROPERTY);
        if (property != null && !property.isEmpty()) {
            Path p = Path.of(property);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.add("/usr/sbin");
        dirs.add("/usr/local/sbin");
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "ngircd");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts ngircd on 127.0.0.1 and a free port, PINGing clients silent for {@code pingSeconds} (at least
     * 5); returns once it listens.
     *
     * @throws UnsupportedOperationException when ngircd is not installed
     * @throws IOException when it does not start listening within 15 s (its log is in the message)
     */
    public static Ngircd start(int pingSeconds) throws IOException {
        Path executable = executable().orElseThrow(() -> new UnsupportedOperationException(
                "ngircd is not installed (apt-get install ngircd, or -D" + EXECUTABLE_PROPERTY + "=<path>)"));
        if (pingSeconds < 5) {
            throw new IllegalArgumentException("ngircd's PingTimeout is at least 5 s, not " + pingSeconds);
        }
        IOException failure = null;
        // Another process may take the free port between our probe and ngircd's bind: try a few.
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            Path directory = Files.createTempDirectory("chatnio-ngircd");
            try {
                return startIn(executable, directory, freePort(), pingSeconds);
            } catch (IOException | RuntimeException e) {
                deleteTree(directory);
                if (e instanceof RuntimeException r) {
                    throw r;
                }
                failure = (IOException) e;
            }
        }
        throw failure;
    }

    /** The configuration ngircd runs with: listening on 127.0.0.1:{@code port}, relaxed as the class says. */
    static String config(int port, Path includeDirectory, int pingSeconds) {
        return String.join("\n",
                "# Generated by chat-nio's benchmarks (io.chatnio.bench.Ngircd): the IRC load's rival server.",
                "[Global]",
                "\tName = ngircd.bench.local",
                "\tInfo = chat-nio benchmark rival",
                "\tAdminInfo1 = chat-nio benchmarks",
                "\tAdminInfo2 = 127.0.0.1",
                "\tAdminEMail = nobody@localhost",
                "\tListen = 127.0.0.1",
                "\tPorts = " + port,
                "\tMotdPhrase = chat-nio benchmark",
                "[Limits]",
                "\tMaxConnections = 0",
                "\tMaxConnectionsIP = 0",
                "\tMaxJoins = 0",
                "\tMaxNickLength = 30",
                "\tMaxPenaltyTime = 0",
                "\tPingTimeout = " + pingSeconds,
                "\tPongTimeout = 60",
                "[Options]",
                "\tDNS = no",
                "\tIdent = no",
                "\tPAM = no",
                "\tIncludeDir = " + includeDirectory,
                "[Operator]",
                "\tName = " + OPERATOR,
                "\tPassword = " + OPERATOR,
                "");
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** Operator status and user mode {@code +F} (no throttling, 10 commands per pass instead of 3). */
    @Override
    public String relax(String nick) {
        return "OPER " + OPERATOR + " " + OPERATOR + "\r\nMODE " + nick + " +F\r\n";
    }

    /** Sends SIGTERM, waits up to 5 s, then kills it and waits up to 5 s more; deletes its directory. */
    @Override
    public void close() {
        try {
            process.destroy();
            if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            deleteTree(directory);
        }
    }

    /** Its process id (for reading its CPU time in /proc). */
    long pid() {
        return process.pid();
    }

    /** Whether the process is still running (false once closed). */
    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public String toString() {
        return "ngircd (pid " + process.pid() + ") on " + address;
    }

    private static Ngircd startIn(Path executable, Path directory, int port, int pingSeconds) throws IOException {
        Path include = Files.createDirectory(directory.resolve("conf.d"));
        Path conf = directory.resolve("ngircd.conf");
        Files.writeString(conf, config(port, include, pingSeconds));
        Path log = directory.resolve("ngircd.log");
        Process process = new ProcessBuilder(executable.toString(), "--nodaemon", "--config", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Ngircd server = new Ngircd(process, directory, new InetSocketAddress("127.0.0.1", port));
        try {
            server.awaitListening(log, port);
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Polls its log until it says it listens on {@code port}; fails if it exits or 15 s pass first. */
    private void awaitListening(Path log, int port) throws IOException {
        String listening = "Now listening on [127.0.0.1]:" + port;
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (true) {
            String text = Files.readString(log, UTF_8);
            if (text.contains(listening)) {
                return;
            }
            if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                throw new IOException("ngircd did not start listening on 127.0.0.1:" + port
                        + (process.isAlive() ? " within 15 s" : ", it exited with " + process.exitValue())
                        + "; its log:\n" + text);
            }
            LockSupport.parkNanos(POLL_NANOS); // a bounded poll of a file another process writes
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return probe.getLocalPort();
        }
    }

    private static void deleteTree(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: left behind at worst
        }
    }
}
