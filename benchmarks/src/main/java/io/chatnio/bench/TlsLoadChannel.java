package io.chatnio.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * The client side of TLS on one load-driver connection: a client-mode {@link SSLEngine} over a non-blocking
 * channel, driven by the driver thread without ever waiting. The {@link LoadConnection} that owns it calls it
 * once per read or write batch, never per line; the plain path does not touch this class.
 *
 * <ul>
 *   <li><b>Handshake</b> ({@link #handshake}): as far as the bytes at hand allow, then again on the next
 *       readiness event. Delegated tasks (key agreement, certificate checks) run inline on the driver thread:
 *       the driver is the client, its handshakes are set-up time, and no server thread waits on them. At the
 *       end the session must be {@link BenchTls#PROTOCOL} with {@link BenchTls#CIPHER_SUITE}, so every run
 *       measures the same cipher.</li>
 *   <li><b>Writing</b> ({@link #write}): the caller's plaintext (a sender's ring slices, a receiver's hello)
 *       is wrapped into {@link #netOut}, one record per {@code wrap} (up to 16,367 B of plaintext in the JDK's
 *       TLS 1.3: one record for a whole window of 64 B lines), then written. Plaintext consumed counts as sent: its ciphertext
 *       is either on the socket or pending in {@link #netOut}, flushed on writability ({@link #flush}).</li>
 *   <li><b>Reading</b> ({@link #read}): the socket is read into {@link #netIn} and every complete record in it
 *       is unwrapped into the caller's plaintext buffer (the driver's shared read buffer). A partial record
 *       (BUFFER_UNDERFLOW) stays at the start of {@link #netIn} for the next read. After every call
 *       {@link #netIn} holds no complete record, so nothing waits for a readiness event that may never
 *       come.</li>
 * </ul>
 * Post-handshake messages (TLS 1.3 session tickets, a key update) are unwrapped like records and answered
 * when the engine asks. The peer's {@code close_notify} or end of stream reads as -1, as on a socket. No
 * {@code close_notify} is sent: the driver closes only when a run ends or fails.
 *
 * <p>This class allocates nothing per message: both ciphertext buffers are direct and per connection, sized
 * in packets ({@link SSLSession#getPacketBufferSize()}), larger in the direction the connection carries the
 * load. The JDK allocates per record, not per line: a new {@link SSLEngineResult} per {@code wrap} and
 * {@code unwrap}, and on JDK 17 its AES-GCM takes temporary arrays for records in direct buffers (measured in
 * docs/benchmarks.md, "TLS").
 *
 * <p>Threading: built on the thread that sets a scenario up; afterwards the driver thread only.
 */
final class TlsLoadChannel {

    /** The empty plaintext wrapped while the engine has handshake messages to send; empty, so never changed. */
    private static final ByteBuffer[] NO_PLAINTEXT = {ByteBuffer.allocate(0)};

    /** The socket (a test may put an in-memory channel here); non-blocking. */
    private final ByteChannel channel;
    /** Client mode; its handshake begins with the first {@link #handshake}. */
    private final SSLEngine engine;
    /** The largest record on the wire: the free room {@link #netOut} needs before each wrap. */
    private final int packetSize;
    /** Ciphertext read, not yet unwrapped, in {@code [0, position)} (write mode); no whole record between calls. */
    private final ByteBuffer netIn;
    /** Ciphertext wrapped and not yet written, in {@code [0, position)} (write mode). */
    private final ByteBuffer netOut;
    /** True until the handshake is finished and its session checked. */
    private boolean handshaking = true;
    /** Whether {@link #handshake} was called: the engine's handshake has begun. */
    private boolean begun;

    /**
     * @param inPackets capacity of the read side in packets (at least 1: one whole record must fit)
     * @param outPackets capacity of the write side in packets (at least 1)
     */
    TlsLoadChannel(ByteChannel channel, SSLEngine engine, int inPackets, int outPackets) throws IOException {
        if (!engine.getUseClientMode() || inPackets < 1 || outPackets < 1) {
            throw new IllegalArgumentException("a client engine and at least one packet each way");
        }
        this.channel = channel;
        this.engine = engine;
        this.packetSize = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocateDirect(Math.multiplyExact(packetSize, inPackets));
        this.netOut = ByteBuffer.allocateDirect(Math.multiplyExact(packetSize, outPackets));
    }

    /**
     * A client engine for {@code server}: host name {@code server}'s host string (the benchmark certificate
     * names 127.0.0.1 and localhost) and HTTPS endpoint identification, so the server must present it; the
     * context's default versions and suites, as {@link BenchTls#clientContext()} intends.
     */
    static SSLEngine clientEngine(SSLContext context, InetSocketAddress server) {
        SSLEngine engine = context.createSSLEngine(server.getHostString(), server.getPort());
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(p);
        return engine;
    }

    /** Capacity of the read side: the most ciphertext one {@link #read} takes from the socket at once. */
    int readCapacity() {
        return netIn.capacity();
    }

    /** Whether {@link #handshake} has been called. */
    boolean begun() {
        return begun;
    }

    /** Whether the handshake is still going on (then {@link #write} takes nothing). */
    boolean handshaking() {
        return handshaking;
    }

    /** Whether wrapped bytes are waiting for the socket: the owner wants writability then. */
    boolean hasPendingOutput() {
        return netOut.position() > 0;
    }

    /**
     * Advances the handshake as far as the bytes at hand allow.
     *
     * @param scratch a plaintext buffer for unwrapping (cleared here); the server sends no data before the
     *     driver does, so anything decrypted into it fails the handshake
     * @return true once the handshake is finished (its last flight may still be pending, see
     *     {@link #hasPendingOutput}); false when it waits for the server or for writability
     * @throws IOException when the handshake fails, the server closes, or it negotiated another protocol or suite
     */
    boolean handshake(ByteBuffer scratch) throws IOException {
        if (!begun) {
            begun = true;
            engine.beginHandshake();
        }
        boolean progress = true;
        while (handshaking && progress) {
            HandshakeStatus status = engine.getHandshakeStatus();
            switch (status) {
                case NEED_TASK -> runDelegatedTasks();
                case NEED_WRAP -> progress = wrapOnce(NO_PLAINTEXT, 0, 1); // false: the socket takes no more
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> progress = unwrapHandshake(scratch); // false: nothing to read
                case NOT_HANDSHAKING, FINISHED -> finishHandshake();
                default -> throw new IOException("TLS handshake: unexpected status " + status);
            }
        }
        flush(); // the flight wrapped so far, before waiting for the server's answer to it
        return !handshaking;
    }

    /**
     * Wraps as much of {@code srcs[offset, offset + length)} as the socket takes now, one record per wrap,
     * and writes it (pending ciphertext first). Takes nothing while {@link #handshaking}.
     *
     * @return plaintext bytes consumed (their ciphertext written or pending in this channel)
     */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (handshaking) {
            return 0;
        }
        long consumed = 0;
        while (hasRemaining(srcs, offset, length)) {
            int before = netOut.position();
            long taken = wrapOnceCounting(srcs, offset, length);
            if (taken < 0) {
                break; // netOut is full and the socket takes no more: the owner asks for writability
            }
            consumed += taken;
            if (taken == 0 && netOut.position() == before) {
                throw new IOException("TLS wrap made no progress");
            }
        }
        flush();
        return consumed;
    }

    /**
     * Writes pending ciphertext as far as the socket takes it.
     *
     * @return whether some is still pending
     */
    boolean flush() throws IOException {
        if (netOut.position() == 0) {
            return false;
        }
        netOut.flip();
        channel.write(netOut);
        netOut.compact();
        return netOut.position() > 0;
    }

    /**
     * Reads what the socket has and unwraps every complete record into {@code dst} from its position; reads
     * again while a read filled {@link #netIn} and {@code dst} has room for another, so one call may take
     * several reads' worth. {@code dst} needs room for at least {@link #readCapacity()} plaintext bytes.
     *
     * @return plaintext bytes put into {@code dst} (0 when only part of a record, or only post-handshake
     *     messages, arrived), or -1 when the server closed (end of stream or {@code close_notify})
     */
    int read(ByteBuffer dst) throws IOException {
        int start = dst.position();
        if (dst.remaining() < netIn.capacity()) {
            throw new IllegalArgumentException("room for " + netIn.capacity() + " plaintext bytes needed, not "
                    + dst.remaining());
        }
        while (true) {
            int n = channel.read(netIn);
            if (n < 0) {
                return -1;
            }
            boolean filled = !netIn.hasRemaining();
            if (!unwrapAll(dst)) {
                return -1;
            }
            if (!filled || dst.remaining() < netIn.capacity()) {
                return dst.position() - start;
            }
        }
    }

    /**
     * Unwraps every complete record of {@link #netIn} into {@code dst}, leaving a partial record at its start.
     *
     * @return false if the server's {@code close_notify} arrived
     */
    private boolean unwrapAll(ByteBuffer dst) throws IOException {
        netIn.flip();
        try {
            while (netIn.hasRemaining()) {
                SSLEngineResult r = engine.unwrap(netIn, dst);
                switch (r.getStatus()) {
                    case OK -> {
                        if (r.bytesConsumed() == 0) {
                            return true; // nothing more the engine can take now
                        }
                    }
                    case BUFFER_UNDERFLOW -> {
                        return true; // a partial record: the rest comes with a later read
                    }
                    case CLOSED -> {
                        return false;
                    }
                    case BUFFER_OVERFLOW -> throw new IOException("TLS unwrap: " + dst.remaining()
                            + " bytes of plaintext room are too few for a record");
                    default -> throw new IOException("TLS unwrap: unexpected status " + r.getStatus());
                }
                answerPostHandshake(r.getHandshakeStatus());
            }
            return true;
        } finally {
            netIn.compact();
        }
    }

    /** A post-handshake message (key update) may want tasks run and an answer wrapped. */
    private void answerPostHandshake(HandshakeStatus status) throws IOException {
        HandshakeStatus s = status;
        while (s == HandshakeStatus.NEED_TASK || s == HandshakeStatus.NEED_WRAP) {
            if (s == HandshakeStatus.NEED_TASK) {
                runDelegatedTasks();
            } else if (!wrapOnce(NO_PLAINTEXT, 0, 1)) {
                return; // pending: the owner asks for writability (hasPendingOutput)
            }
            s = engine.getHandshakeStatus();
        }
    }

    /**
     * Unwraps one handshake record from {@link #netIn}, reading the socket when it holds no complete one.
     *
     * @return false when the handshake must wait for the server
     */
    private boolean unwrapHandshake(ByteBuffer scratch) throws IOException {
        netIn.flip();
        scratch.clear();
        SSLEngineResult r;
        try {
            r = engine.unwrap(netIn, scratch);
        } finally {
            netIn.compact();
        }
        if (scratch.position() > 0) {
            throw new IOException("the server sent " + scratch.position() + " bytes of data during the TLS handshake");
        }
        switch (r.getStatus()) {
            case OK -> {
                return true;
            }
            case BUFFER_UNDERFLOW -> {
                int n = channel.read(netIn);
                if (n < 0) {
                    throw new IOException("the server closed during the TLS handshake");
                }
                return n > 0;
            }
            case CLOSED -> throw new IOException("the server closed TLS during the handshake");
            default -> throw new IOException("TLS handshake unwrap: unexpected status " + r.getStatus());
        }
    }

    private void finishHandshake() throws IOException {
        SSLSession session = engine.getSession();
        if (!BenchTls.PROTOCOL.equals(session.getProtocol()) || !BenchTls.CIPHER_SUITE.equals(session.getCipherSuite())) {
            throw new IOException("negotiated " + session.getProtocol() + " " + session.getCipherSuite() + ", expected "
                    + BenchTls.PROTOCOL + " " + BenchTls.CIPHER_SUITE);
        }
        handshaking = false;
    }

    /** Runs the engine's delegated tasks inline, on the driver thread (see the class comment). */
    private void runDelegatedTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** {@link #wrapOnceCounting} when the count does not matter: false when it could not wrap. */
    private boolean wrapOnce(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return wrapOnceCounting(srcs, offset, length) >= 0;
    }

    /**
     * One {@code wrap} into {@link #netOut}, after making room for a whole packet by flushing if needed.
     *
     * @return plaintext bytes consumed, or -1 when there is no room (the socket takes no more)
     */
    private long wrapOnceCounting(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (netOut.remaining() < packetSize) {
            flush();
            if (netOut.remaining() < packetSize) {
                return -1;
            }
        }
        SSLEngineResult r = engine.wrap(srcs, offset, length, netOut);
        if (r.getStatus() != SSLEngineResult.Status.OK) {
            throw new IOException("TLS wrap: " + r.getStatus());
        }
        return r.bytesConsumed();
    }

    private static boolean hasRemaining(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }
}
