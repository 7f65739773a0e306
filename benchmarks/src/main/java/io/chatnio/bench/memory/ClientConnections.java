package io.chatnio.bench.memory;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.chatnio.bench.BenchTls;
import io.chatnio.bench.SeedProtocol;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Client connections to a seed server, plain or TLS, opened by a small pool of threads and then left idle; and
 * a sender that queues bytes toward each of them, which they never read.
 *
 * <p>Each connection, once connected and (TLS) its handshake done, sends itself {@code 127.0.0.1:PORT:ready}
 * and reads the delivery back: the server has then registered it (chat-nio announces a TLS connection only
 * after its handshake), and it has been used once, as a chat client's would be. Each asks for a
 * {@value #RECEIVE_BUFFER}-byte receive buffer before connecting, so that bytes sent to it and not read stay
 * mostly in the server and little in the client's kernel buffer.
 *
 * <p>Threading: {@link #add}, {@link #sendBacklog} and {@link #close} are called by one thread; {@link #add}
 * connects on a pool of its own, whose tasks hand their sockets over through their futures.
 */
final class ClientConnections implements AutoCloseable {

    /** The receive buffer each client asks for (the kernel doubles it, and keeps a floor). */
    static final int RECEIVE_BUFFER = 4096;
    /** Every backlog message is delivered as exactly this many bytes, line end included. */
    static final int LINE = 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /** How long a handshake, or a connection's ready line, may take. */
    private static final int CONFIRM_TIMEOUT_MILLIS = 30_000;

    private final InetSocketAddress server;
    /** Client context for TLS connections; null for plain TCP. */
    private final SSLContext tls;
    /**
     * Whether TLS connections share {@link #tls}'s session cache and so resume a session; if not, each gets a
     * context of its own, and the server makes a full handshake with each (a server's engine keeps different
     * state after each: on JDK 17, a resumed one holds about 3 KB more).
     */
    private final boolean resume;
    /** Client threads that open connections. */
    private final int threads;
    /** The open connections, each confirmed. */
    private final List<Socket> sockets = new ArrayList<>();

    /**
     * No connections yet; {@link #add} opens them, TLS when {@code tls} is not null (resuming sessions if
     * {@code resume}), on {@code threads} threads.
     */
    ClientConnections(InetSocketAddress server, SSLContext tls, boolean resume, int threads) {
        this.server = server;
        this.tls = tls;
        this.resume = resume;
        this.threads = threads;
    }

    /**
     * Opens {@code count} more confirmed connections.
     *
     * @throws IOException if any fails, or not all are open within {@code timeoutNanos}; none of these
     *                     {@code count} is left open then
     */
    void add(int count, long timeoutNanos) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "memory-clients");
            t.setDaemon(true);
            return t;
        });
        List<Future<Socket>> futures = new ArrayList<>(count);
        boolean opened = false;
        try {
            for (int i = 0; i < count; i++) {
                futures.add(pool.submit(() -> connect(new Socket(), CONFIRM_TIMEOUT_MILLIS)));
            }
            long deadline = System.nanoTime() + timeoutNanos;
            for (Future<Socket> f : futures) {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            for (Future<Socket> f : futures) {
                sockets.add(f.get()); // done: does not wait
            }
            opened = true;
        } catch (ExecutionException e) {
            throw new IOException("a client connection failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(count + " connections not open within "
                    + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting", e);
        } finally {
            pool.shutdownNow();
            if (!opened) {
                closeAll(pool, futures);
            }
        }
    }

    /** After a failed {@link #add}: waits for the tasks (bounded by their timeouts), closes what they opened. */
    private static void closeAll(ExecutorService pool, List<Future<Socket>> futures) {
        try {
            pool.awaitTermination(CONNECT_TIMEOUT_MILLIS + 2L * CONFIRM_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Future<Socket> f : futures) {
            if (f.isDone() && !f.isCancelled()) {
                try {
                    closeQuietly(f.get());
                } catch (ExecutionException | InterruptedException e) {
                    // that one opened nothing
                }
            }
        }
    }

    /** The number of open connections. */
    int size() {
        return sockets.size();
    }

    /**
     * Queues {@code bytesPerConnection} (rounded up to whole {@link #LINE}s) toward every connection from one
     * more connection, the sender, and returns once the server has routed all of it: the sender's own last
     * line, addressed to itself, has come back. Nothing else may come back (an offline notice or an error
     * fails this). The sender is closed at the end; within {@code timeoutNanos}, or it is closed and this
     * fails.
     *
     * @return the bytes queued per connection
     */
    long sendBacklog(int bytesPerConnection, long timeoutNanos) throws IOException {
        long messages = (bytesPerConnection + LINE - 1) / LINE;
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "memory-backlog-watchdog");
            t.setDaemon(true);
            return t;
        });
        Socket tcp = new Socket();
        try (Socket sender = connect(tcp, CONFIRM_TIMEOUT_MILLIS)) {
            sender.setSoTimeout((int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
            // A write blocked on a server that stopped reading has no timeout of its own: closing the TCP socket
            // under it ends it (closing a TLS socket would first try to write its close_notify).
            ScheduledFuture<?> stop = watchdog.schedule(() -> closeQuietly(tcp), timeoutNanos, TimeUnit.NANOSECONDS);
            int senderPort = sender.getLocalPort();
            byte[] payload = new byte[LINE - SeedProtocol.deliveryPrefix(senderPort).length
                    - SeedProtocol.DELIVERY_SUFFIX.getBytes(UTF_8).length];
            Arrays.fill(payload, (byte) 'm');
            OutputStream out = new BufferedOutputStream(sender.getOutputStream(), 64 * 1024);
            for (Socket target : sockets) {
                byte[] address = (SeedProtocol.format(localAddress(target)) + ":").getBytes(UTF_8);
                for (long m = 0; m < messages; m++) {
                    out.write(address);
                    out.write(payload);
                    out.write('\n');
                }
            }
            byte[] done = "done".getBytes(UTF_8);
            out.write((SeedProtocol.format(localAddress(sender)) + ":done\n").getBytes(UTF_8));
            out.flush();
            expect(sender.getInputStream(), SeedProtocol.deliveredLine(senderPort, done), "the sender's last line");
            stop.cancel(false);
            return messages * LINE;
        } finally {
            watchdog.shutdownNow();
        }
    }

    /** Closes every connection; idempotent. */
    @Override
    public void close() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    /** One confirmed connection on {@code tcp}, an unconnected socket: itself, or a TLS socket over it. */
    private Socket connect(Socket tcp, int readTimeoutMillis) throws IOException {
        Socket s = tcp;
        try {
            tcp.setReceiveBufferSize(RECEIVE_BUFFER); // before connecting, so that the window is small from the start
            tcp.setTcpNoDelay(true); // the ready line must not wait for the ACK of the TLS Finished (Nagle)
            tcp.connect(server, CONNECT_TIMEOUT_MILLIS);
            tcp.setSoTimeout(readTimeoutMillis);
            if (tls != null) {
                SSLContext context = resume ? tls : BenchTls.clientContext();
                SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(tcp, "127.0.0.1",
                        server.getPort(), true);
                s = ssl;
                ssl.startHandshake();
            }
            byte[] ready = "ready".getBytes(UTF_8);
            s.getOutputStream().write((SeedProtocol.format(localAddress(s)) + ":ready\n").getBytes(UTF_8));
            s.getOutputStream().flush();
            expect(s.getInputStream(), SeedProtocol.deliveredLine(s.getLocalPort(), ready), "the ready line");
            return s;
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            closeQuietly(tcp);
            throw e;
        }
    }

    /** Reads exactly {@code expected.length} bytes, which must be {@code expected}. */
    private static void expect(InputStream in, byte[] expected, String what) throws IOException {
        byte[] got = new byte[expected.length];
        int n = 0;
        while (n < got.length) {
            int r = in.read(got, n, got.length - n);
            if (r < 0) {
                throw new EOFException("the server closed the connection before " + what + " came back");
            }
            n += r;
        }
        if (!Arrays.equals(got, expected)) {
            throw new IOException("expected " + what + " '" + new String(expected, UTF_8).strip() + "', got '"
                    + new String(got, UTF_8).strip() + "'");
        }
    }

    private static InetSocketAddress localAddress(Socket s) {
        return new InetSocketAddress("127.0.0.1", s.getLocalPort());
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
