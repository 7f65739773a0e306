package io.chatnio.bench.micro;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code n} idle TCP connections to a server, held open by a child JVM. The client ends live in another
 * process because the server ends alone may need most of this one's descriptors: 10,000 connections are
 * 20,000 sockets, and {@code ulimit -n} is 20,000 on the reference machine.
 *
 * <p>The child ({@link #main}) connects {@code n} sockets one after another, prints {@code connected n}, then
 * holds them until its standard input ends; {@link #close()} ends it. If the parent dies, the child's input
 * ends too, so it never outlives its parent.
 *
 * <p>Threading: {@link #open} and {@link #close} on one thread (JMH's benchmark thread).
 */
final class LoopbackClients implements AutoCloseable {

    private static final String READY = "connected ";

    private final Process child;

    private LoopbackClients(Process child) {
        this.child = child;
    }

    /**
     * Starts a child JVM with this JVM's class path that opens {@code n} connections to {@code server};
     * returns once all are connected (not necessarily accepted yet).
     *
     * @throws IOException if the child cannot start or fails to connect
     */
    static LoopbackClients open(InetSocketAddress server, int n) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), LoopbackClients.class.getName(),
                server.getAddress().getHostAddress(), Integer.toString(server.getPort()), Integer.toString(n));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process child = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
            String line = out.readLine(); // the child exits on failure, which ends this read
            if (line == null || !line.equals(READY + n)) {
                throw new IOException("loopback clients failed: " + line + " (exit " + exitValue(child) + ")");
            }
            return new LoopbackClients(child);
        } catch (IOException | RuntimeException e) {
            child.destroyForcibly();
            throw e;
        }
    }

    /** Closes every connection and ends the child; idempotent. */
    @Override
    public void close() {
        try {
            child.getOutputStream().close();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        } catch (IOException e) {
            child.destroyForcibly();
        } catch (InterruptedException e) {
            child.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String exitValue(Process p) {
        try {
            return p.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(p.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** The child: {@code HOST PORT N}. */
    public static void main(String[] args) throws IOException {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int n = Integer.parseInt(args[2]);
        List<Socket> sockets = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket();
                sockets.add(s);
                s.connect(server, 10_000);
            }
            OutputStream out = System.out;
            out.write((READY + n + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while (System.in.read() >= 0) {
                // nothing is sent; wait for the parent to close our input
            }
        } finally {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
