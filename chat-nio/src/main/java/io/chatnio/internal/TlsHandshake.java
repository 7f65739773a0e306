package io.chatnio.internal;

import io.chatnio.Cancellable;
import io.chatnio.Connection;
import io.chatnio.FrameCodec;
import io.chatnio.TlsOptions;
import io.chatnio.TlsSession;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TLS handshake, before its connection exists: it owns the socket and the {@link SSLEngine} until the
 * handshake is done, then hands both to {@link Admission} as a {@link TlsTransport}, so the application only
 * ever sees connections whose handshake succeeded (and knows their {@link TlsSession} in {@code onOpen}). A
 * handshake that fails, or is not done within its timeout, closes the socket: counted, logged, never opened;
 * an outbound connect's future fails with the reason.
 *
 * <p><b>Delegated tasks</b> (the handshake's CPU work: key exchange, signatures, certificate checks, about a
 * millisecond each) run off the loop, on the reactor's TLS task thread, so that a burst of handshakes never
 * stalls the connections already open; while they run, the loop does not touch the engine.
 *
 * <p><b>Threading.</b> Loop thread only, except the delegated tasks, which run on the task executor and hand
 * back to the loop with a task.
 */
final class TlsHandshake implements Selectable {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final ReactorImpl reactor;
    private final SocketChannel channel;
    private final SSLEngine engine;
    private final FrameCodec codec;
    /** An outbound connect's future, or null for an accepted connection. */
    private final CompletableFuture<Connection> future;
    private final InetSocketAddress remote;
    private final int packetSize;
    private SelectionKey key;
    private Cancellable timer;
    /** Ciphertext read and not yet unwrapped (read mode); or null. */
    private ByteBuffer netIn;
    /** Ciphertext wrapped and not yet written (read mode); or null. */
    private ByteBuffer netOut;
    /** Bytes received so far, for the log. */
    private long received;
    /** Delegated tasks are running: the engine is theirs until they hand back. */
    private boolean taskRunning;
    /** Done, failed or closed: nothing more happens. */
    private boolean finished;

    private TlsHandshake(ReactorImpl reactor, SocketChannel channel, SSLEngine engine, FrameCodec codec,
                         CompletableFuture<Connection> future, InetSocketAddress remote) {
        this.reactor = reactor;
        this.channel = channel;
        this.engine = engine;
        this.codec = codec;
        this.future = future;
        this.remote = remote;
        this.packetSize = engine.getSession().getPacketBufferSize();
    }

    /**
     * Starts the handshake of a connected socket: the server side for an accepted one ({@code future} null),
     * the client side for an outbound one.
     */
    static void start(ReactorImpl reactor, SocketChannel channel, TlsOptions tls, FrameCodec codec,
                      CompletableFuture<Connection> future, InetSocketAddress remote) {
        TlsHandshake h;
        try {
            SSLEngine engine = newEngine(tls, remote);
            h = new TlsHandshake(reactor, channel, engine, codec, future, remote);
            h.key = channel.register(reactor.loop.selector(), SelectionKey.OP_READ, h);
            engine.beginHandshake();
        } catch (IOException | RuntimeException e) {
            log.info("{}: TLS setup failed: {}", remote, e.toString());
            reactor.stats.tlsFailures++;
            closeQuietly(channel);
            if (future != null) {
                reactor.callbacks.run(() -> future.completeExceptionally(e), "connect future");
            }
            return;
        }
        reactor.addHandshake(h);
        h.timer = reactor.loop.schedule(tls.handshakeTimeout().toNanos(), () -> h.fail(new TimeoutException(
                "TLS handshake not done within " + tls.handshakeTimeout().toMillis() + " ms (" + h.received
                        + " bytes received)")));
        h.drive();
    }

    private static SSLEngine newEngine(TlsOptions tls, InetSocketAddress remote) {
        SSLEngine engine;
        SSLParameters p;
        if (tls.isClient()) {
            String name = tls.serverName() != null ? tls.serverName() : remote.getHostString();
            engine = tls.context().createSSLEngine(name, remote.getPort());
            engine.setUseClientMode(true);
            p = engine.getSSLParameters();
            if (tls.hostnameVerification()) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            if (!isIpLiteral(name)) {
                p.setServerNames(List.of(new SNIHostName(name)));
            }
        } else {
            engine = tls.context().createSSLEngine();
            engine.setUseClientMode(false);
            p = engine.getSSLParameters();
            p.setUseCipherSuitesOrder(true);
        }
        p.setProtocols(tls.protocols().toArray(String[]::new));
        if (!tls.applicationProtocols().isEmpty()) {
            p.setApplicationProtocols(tls.applicationProtocols().toArray(String[]::new));
        }
        engine.setSSLParameters(p);
        return engine;
    }

    private static boolean isIpLiteral(String name) {
        return name.indexOf(':') >= 0 || name.chars().allMatch(ch -> ch == '.' || Character.isDigit(ch));
    }

    @Override
    public void ready(int readyOps) {
        drive();
    }

    /** Advances the handshake as far as the socket and the engine allow. */
    private void drive() {
        if (taskRunning || finished) {
            return;
        }
        try {
            while (true) {
                if (!flush()) {
                    key.interestOps(SelectionKey.OP_WRITE);
                    return;
                }
                HandshakeStatus hs = engine.getHandshakeStatus();
                switch (hs) {
                    case NEED_WRAP -> {
                        ByteBuffer out = reactor.tlsScratch().out(4 * packetSize);
                        out.clear();
                        SSLEngineResult r;
                        do { // a whole flight in one write
                            r = engine.wrap(EMPTY, out);
                        } while (r.getStatus() == SSLEngineResult.Status.OK
                                && r.getHandshakeStatus() == HandshakeStatus.NEED_WRAP && out.remaining() >= packetSize);
                        out.flip();
                        netOut = join(netOut, out);
                        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                            flush();
                            throw new SSLException("the handshake was closed");
                        }
                        if (r.getHandshakeStatus() == HandshakeStatus.FINISHED && flush()) {
                            done();
                            return;
                        }
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        if (netIn == null || !TlsRecords.complete(netIn, packetSize)) {
                            int n = readSome();
                            if (n < 0) {
                                throw new IOException("the peer closed the connection during the handshake ("
                                        + received + " bytes received)");
                            }
                            if (n == 0) {
                                key.interestOps(SelectionKey.OP_READ);
                                return;
                            }
                            continue;
                        }
                        ByteBuffer plain = reactor.tlsScratch().handshake(engine.getSession().getApplicationBufferSize());
                        plain.clear();
                        SSLEngineResult r = engine.unwrap(netIn, plain);
                        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                            throw new SSLException("the peer ended the handshake");
                        }
                        if (plain.position() > 0) {
                            throw new SSLException("application data during the handshake");
                        }
                        if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                            done();
                            return;
                        }
                    }
                    case NEED_TASK -> {
                        runTasks();
                        return;
                    }
                    default -> { // NOT_HANDSHAKING, FINISHED
                        done();
                        return;
                    }
                }
            }
        } catch (SSLException | RuntimeException e) {
            fail(e);
        } catch (IOException e) {
            fail(tlsReason(e));
        }
    }

    /**
     * The TLS reason behind an I/O failure, if the engine has one: a peer that rejects us, or a certificate
     * check that failed in a delegated task, often shows first as a reset or a broken pipe, while the engine
     * holds the alert or the check's exception, which its next wrap throws.
     */
    private IOException tlsReason(IOException e) {
        try {
            ByteBuffer out = reactor.tlsScratch().control(packetSize);
            out.clear();
            engine.wrap(EMPTY, out);
        } catch (SSLException reason) {
            reason.addSuppressed(e);
            return reason;
        } catch (RuntimeException ignored) {
            // no better reason
        }
        return e;
    }

    /** Reads ciphertext into {@link #netIn}; the byte count, or -1 at the end of input. */
    private int readSome() throws IOException {
        ByteBuffer in = netIn == null ? ByteBuffer.allocate(packetSize) : netIn.compact();
        if (!in.hasRemaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(in.capacity() + packetSize);
            in.flip();
            in = bigger.put(in);
        }
        int n = channel.read(in);
        netIn = in.flip();
        if (n > 0) {
            received += n;
        }
        if (received > 0 && netIn.hasRemaining()) {
            TlsRecords.complete(netIn, packetSize); // refuse bytes that are not TLS at once
        }
        return n;
    }

    /** Writes {@link #netOut}; whether it is all on the wire. */
    private boolean flush() throws IOException {
        if (netOut != null) {
            channel.write(netOut);
            if (netOut.hasRemaining()) {
                return false;
            }
            netOut = null;
        }
        return true;
    }

    private static ByteBuffer join(ByteBuffer held, ByteBuffer more) {
        ByteBuffer b = ByteBuffer.allocate((held == null ? 0 : held.remaining()) + more.remaining());
        if (held != null) {
            b.put(held);
        }
        return b.put(more).flip();
    }

    /** Runs the engine's delegated tasks on the task executor, then continues on the loop. */
    private void runTasks() throws SSLException {
        List<Runnable> tasks = new ArrayList<>(2);
        Runnable t;
        while ((t = engine.getDelegatedTask()) != null) {
            tasks.add(t);
        }
        taskRunning = true;
        key.interestOps(0); // unread bytes would make the selector spin meanwhile
        Executor executor = reactor.tlsTasks();
        try {
            executor.execute(() -> {
                try {
                    for (Runnable task : tasks) {
                        task.run(); // a failure is rethrown by the engine's next wrap or unwrap
                    }
                } finally {
                    try {
                        reactor.loop.execute(this::tasksDone);
                    } catch (RejectedExecutionException e) {
                        // the loop has ended; it closed this handshake
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            taskRunning = false;
            throw new SSLException("too many TLS handshakes at once", e);
        }
    }

    /** Only called on the loop thread. */
    private void tasksDone() {
        taskRunning = false;
        drive();
    }

    /** The handshake succeeded: the connection is admitted with a TLS transport. */
    private void done() throws IOException {
        String protocol = engine.getSession().getProtocol();
        if (!"TLSv1.3".equals(protocol) && !"TLSv1.2".equals(protocol)) {
            throw new SSLException("negotiated " + protocol + ", not TLS 1.3 or 1.2");
        }
        finish();
        reactor.stats.tlsHandshakes++;
        String alpn = engine.getApplicationProtocol();
        TlsSession session = new TlsSession(protocol, engine.getSession().getCipherSuite(), serverName(),
                alpn == null || alpn.isEmpty() ? null : alpn);
        TlsTransport transport = new TlsTransport(channel, engine, reactor.tlsScratch(), reactor.stats, session,
                netIn != null && netIn.hasRemaining() ? netIn : null, netOut);
        netIn = null; // copied into the transport's pooled buffers: the handshake's own go to the collector now
        netOut = null;
        Throwable[] failure = new Throwable[1];
        Conn c = reactor.admission.admit(channel, codec, future != null, failure, transport);
        if (future != null) {
            Throwable why = failure[0];
            reactor.callbacks.run(() -> {
                if (c != null) {
                    future.complete(c);
                } else {
                    future.completeExceptionally(why);
                }
            }, "connect future");
        }
        if (c != null && transport.hasBufferedInput()) {
            reactor.inbound.deliverLater(c); // records that came with the handshake's last flight
        }
    }

    /** The name the client asked for: SNI as the server saw it, or the name the client sent. */
    private String serverName() {
        if (engine.getSession() instanceof ExtendedSSLSession s) {
            for (SNIServerName n : s.getRequestedServerNames()) {
                if (n instanceof SNIHostName h) {
                    return h.getAsciiName();
                }
            }
        }
        return null;
    }

    /** The handshake failed: the socket is closed, the failure counted and logged. */
    void fail(Throwable e) {
        if (finished) {
            return;
        }
        finish();
        reactor.stats.tlsFailures++;
        log.info("{}: TLS handshake failed: {}", remote, e.getMessage() != null ? e.getMessage() : e.toString());
        if (!taskRunning) {
            try { // the engine's alert, if it has one, best effort
                if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    ByteBuffer out = reactor.tlsScratch().control(packetSize);
                    out.clear();
                    engine.wrap(EMPTY, out);
                    out.flip();
                    channel.write(out);
                }
            } catch (IOException | RuntimeException ignored) {
                // closing anyway
            }
        }
        closeQuietly(channel);
        if (future != null) {
            reactor.callbacks.run(() -> future.completeExceptionally(e), "connect future");
        }
    }

    /** Closes the socket: the reactor is shutting down. */
    /** The peer's IP if this is an accepted connection (counted against its IP's cap), else null. */
    InetAddress acceptedFrom() {
        return future == null ? remote.getAddress() : null;
    }

    void abort() {
        fail(new IOException("reactor closed during the TLS handshake"));
    }

    private void finish() {
        finished = true;
        reactor.removeHandshake(this);
        if (timer != null) {
            timer.cancel();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("close failed", e);
        }
    }
}
