package io.chatnio.bench.memory;

import io.chatnio.bench.BenchTls;
import io.chatnio.bench.SeedServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * A seed server in a child JVM, for measuring its memory from outside: the parent's clients, buffers and
 * threads never mix with the server's heap or resident set.
 *
 * <p>The child ({@link #main}) starts {@link SeedServer#start} by name on 127.0.0.1, prints
 * {@code @ready PORT PID}, then answers one command per line of its standard input:
 * <ul>
 *   <li>{@code sockets}: {@code @sockets S}, the number of TCP sockets it holds (listener included);</li>
 *   <li>{@code measure}: full collections until the used heap stops changing, then
 *       {@code @measure HEAP RSS DIRECT SOCKETS}: used heap after them, {@code VmRSS}, and the native memory of
 *       direct buffers (native memory tracking's "Other", where {@code Unsafe.allocateMemory} counts: the JDK's
 *       direct buffers and Netty's cleaner-free ones alike), in bytes; and the TCP sockets it holds;</li>
 *   <li>{@code exit}, or the end of its input (the parent died): closes the server and exits.</li>
 * </ul>
 * Replies start with {@code @}; the parent skips any other line (the JVM prints its warnings on standard
 * output) and copies it to its standard error.
 *
 * <p>The child's JVM has a fixed heap, touched up front ({@code -Xms = -Xmx}, {@code -XX:+AlwaysPreTouch}), so its
 * resident set grows only by what lives outside the heap (direct buffers, native memory); and the serial
 * collector, whose {@code System.gc()} is one full compacting collection, so the used heap after it is the live
 * data (with {@code -XX:MarkSweepDeadRatio=0}: by default it may leave up to 5 % of the heap's dead objects in
 * place, as filler arrays, and does so in three collections out of four); and native memory tracking (summary),
 * for the direct buffers apart from the JIT's and the JVM's own native memory, which the resident set mixes in.
 * The other options are the end-to-end benchmarks' ({@code SeedBenchmark}).
 *
 * <p>Threading: the parent side is used by one thread; a daemon thread reads the child's output into a queue,
 * which the using thread polls with a deadline.
 */
final class ServerProcess implements AutoCloseable {

    private static final String END_OF_OUTPUT = "@eof";

    private final Process child;
    private final InetSocketAddress address;
    /** Replies of the child, in order; {@link #END_OF_OUTPUT} once its output ends. */
    private final BlockingQueue<String> replies;
    /** Commands to the child. */
    private final PrintStream commands;
    /** How long one command may take. */
    private final long commandTimeoutNanos;

    /**
     * The child's state at one moment.
     *
     * @param heap    used heap after full collections, bytes
     * @param rss     resident set, bytes
     * @param direct  native memory of direct buffers (native memory tracking's "Other"), bytes; -1 if unknown
     * @param sockets TCP sockets held, the listener included
     */
    record Measurement(long heap, long rss, long direct, long sockets) {
    }

    private ServerProcess(Process child, InetSocketAddress address, BlockingQueue<String> replies,
                          long commandTimeoutNanos) {
        this.child = child;
        this.address = address;
        this.replies = replies;
        this.commands = new PrintStream(child.getOutputStream(), true, StandardCharsets.US_ASCII);
        this.commandTimeoutNanos = commandTimeoutNanos;
    }

    /**
     * Starts {@code impl} in a child JVM with a {@code heap} heap (a JVM size: {@code 1g}, {@code 256m}) and
     * {@code jvmOptions} after the standard ones, and returns once it listens.
     *
     * @throws IOException if the child cannot start, fails or does not listen within {@code timeoutNanos}
     */
    static ServerProcess start(String impl, String heap, List<String> jvmOptions, long timeoutNanos)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms" + heap, "-Xmx" + heap, "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-XX:MarkSweepDeadRatio=0",
                "-XX:NativeMemoryTracking=summary",
                "-XX:MaxDirectMemorySize=2g",
                "-Dio.netty.leakDetection.level=disabled",
                "-Dio.netty.tryReflectionSetAccessible=true",
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
        if (impl.endsWith("-tls")) {
            command.add("-D" + BenchTls.KEY_STORE_PROPERTY + "=" + BenchTls.keyStore());
        }
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServerProcess.class.getName(), impl));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readReplies(child, replies), "server-process-output-" + child.pid());
        reader.setDaemon(true);
        reader.start();
        ServerProcess server = null;
        try {
            String[] ready = await(replies, "@ready", timeoutNanos, child).split(" ");
            server = new ServerProcess(child, new InetSocketAddress("127.0.0.1", Integer.parseInt(ready[1])),
                    replies, timeoutNanos);
            return server;
        } finally {
            if (server == null) {
                child.destroyForcibly();
            }
        }
    }

    /** Where the server listens. */
    InetSocketAddress address() {
        return address;
    }

    /** The child's process handle (to check that it is gone). */
    ProcessHandle handle() {
        return child.toHandle();
    }

    /** The number of TCP sockets the server holds, its listener included. */
    long sockets() throws IOException {
        commands.println("sockets");
        return Long.parseLong(await(replies, "@sockets", commandTimeoutNanos, child).split(" ")[1]);
    }

    /** Waits until the server holds {@code expected} sockets; fails after {@code timeoutNanos}. */
    void awaitSockets(long expected, long timeoutNanos) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        long now = sockets();
        // The server's sockets are another process's state, with no notification to wait on: poll it.
        while (now != expected) {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("the server holds " + now + " sockets, expected " + expected);
            }
            TimeUnit.MILLISECONDS.sleep(50);
            now = sockets();
        }
    }

    /** Collects the child's garbage and reads its used heap, resident set and sockets. */
    Measurement measure() throws IOException {
        commands.println("measure");
        String[] m = await(replies, "@measure", commandTimeoutNanos, child).split(" ");
        return new Measurement(Long.parseLong(m[1]), Long.parseLong(m[2]), Long.parseLong(m[3]), Long.parseLong(m[4]));
    }

    /** Asks the child to close its server and exit, and waits for it; kills it if it does not. Idempotent. */
    @Override
    public void close() {
        try {
            if (child.isAlive()) {
                commands.println("exit");
                commands.close();
            }
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            child.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void readReplies(Process child, BlockingQueue<String> replies) {
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("@")) {
                    replies.add(line);
                } else {
                    System.err.println("[server " + child.pid() + "] " + line);
                }
            }
        } catch (IOException e) {
            // the child is gone: the end of output says so
        } finally {
            replies.add(END_OF_OUTPUT);
        }
    }

    /** The next reply, which must start with {@code tag}. */
    private static String await(BlockingQueue<String> replies, String tag, long timeoutNanos, Process child)
            throws IOException {
        String reply;
        try {
            reply = replies.poll(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + tag, e);
        }
        if (reply == null) {
            throw new IOException("the server process " + child.pid() + " did not answer " + tag + " within "
                    + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s");
        }
        if (!reply.startsWith(tag + " ")) {
            throw new IOException("the server process " + child.pid() + " answered '" + reply + "' instead of " + tag
                    + (reply.equals(END_OF_OUTPUT) ? " (it exited; see its standard error above)" : ""));
        }
        return reply;
    }

    // ------------------------------------------------------------------------------------------------ child

    /** The child: {@code IMPL}. See the class comment for its commands. */
    public static void main(String[] args) throws IOException {
        SeedServer server = SeedServer.start(args[0], new InetSocketAddress("127.0.0.1", 0));
        try {
            PrintStream out = System.out;
            out.println("@ready " + server.address().getPort() + " " + ProcessHandle.current().pid());
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            for (String command; (command = in.readLine()) != null && !command.equals("exit"); ) {
                switch (command) {
                    case "sockets" -> out.println("@sockets " + ownSockets());
                    case "measure" -> {
                        long heap = usedHeapAfterFullGc();
                        out.println("@measure " + heap + " " + residentBytes() + " " + directBytes() + " "
                                + ownSockets());
                    }
                    default -> out.println("@unknown " + command);
                }
                out.flush();
            }
        } finally {
            server.close();
        }
        System.exit(0); // whatever threads a server left behind
    }

    /**
     * Used heap after full collections: repeated until two readings agree (at most 10), since finalizers and
     * reference processing can free more in the next one.
     */
    private static long usedHeapAfterFullGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long previous = -1;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long used = memory.getHeapMemoryUsage().getUsed();
            if (used == previous) {
                break;
            }
            previous = used;
        }
        return previous;
    }

    /**
     * Native memory tracking's committed "Other" of this process, in bytes ({@code -1} without tracking): the
     * category of {@code Unsafe.allocateMemory}, so of direct buffers.
     */
    private static long directBytes() {
        try {
            Object summary = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary", "scale=KB"}}, new String[] {String[].class.getName()});
            // "-                     Other (reserved=9776KB, committed=9776KB)"
            Matcher m = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)")
                    .matcher(String.valueOf(summary));
            return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
        } catch (JMException e) {
            return -1;
        }
    }

    /** {@code VmRSS} of this process, in bytes. */
    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("VmRSS:")) {
                String[] f = line.trim().split("\\s+"); // VmRSS:   123456 kB
                return Long.parseLong(f[1]) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    /** TCP sockets this process holds (its listener included): its socket descriptors found in {@link TcpTable}. */
    private static long ownSockets() throws IOException {
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString(); // socket:[INODE]
                    if (target.startsWith("socket:[")) {
                        inodes.add(Long.parseLong(target, 8, target.length() - 1, 10));
                    }
                } catch (IOException e) {
                    // closed while listing (the directory stream's own descriptor, among others)
                }
            }
        }
        Set<Long> found = new HashSet<>(); // the tables are read in parts and may repeat a socket
        for (TcpTable.Row row : TcpTable.read()) {
            if (inodes.contains(row.inode())) {
                found.add(row.inode());
            }
        }
        return found.size();
    }
}
