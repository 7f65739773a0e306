package io.chatnio.internal;

import io.chatnio.TlsSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS on an established connection (its handshake was done by {@link TlsHandshake}): reads unwrap records
 * straight into the loop's read buffer, writes wrap the gathered plaintext of the connection's queue into
 * records. A fan-out's plaintext is encoded once and shared; each recipient's transport encrypts it.
 *
 * <p><b>Buffers.</b> Ciphertext passes through the loop's two scratch buffers ({@link TlsScratch}); a
 * connection holds a buffer of its own only while it has part of a record read ({@link #netIn}) or
 * ciphertext the socket did not take ({@link #netOut}), so an idle TLS connection holds none; those come
 * from a pool of the loop's, since under load most reads end inside a record.
 *
 * <p><b>Renegotiation</b> is refused: on TLS 1.2 any handshake after the first closes the connection. TLS 1.3
 * post-handshake messages (KeyUpdate, NewSessionTicket) are answered. {@code close_notify} is sent before a
 * graceful close and on half-close, and a peer's ends its input.
 *
 * <p><b>Threading.</b> Owned by one connection; only called on its loop thread.
 */
final class TlsTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final TlsScratch scratch;
    private final Stats stats;
    private final TlsSession session;
    /** Largest plaintext of one TLS record (2^14 bytes). */
    private static final int MAX_RECORD_PLAINTEXT = 1 << 14;
    /** Largest TLS record on the wire. */
    private final int packetSize;
    /** Largest plaintext the engine unwraps from one record. */
    private final int appSize;
    /** Whether the session is TLS 1.3, whose post-handshake messages are allowed. */
    private final boolean tls13;
    /** Ciphertext of an incomplete record (or of records not yet unwrapped), in [0, limit); or null. */
    private ByteBuffer netIn;
    /** Ciphertext produced and not yet written, in [position, limit); or null. */
    private ByteBuffer netOut;
    /** The peer's close_notify arrived: its input has ended. */
    private boolean inboundClosed;
    /** Our close_notify was produced. */
    private boolean outboundClosed;
    /** Shut the socket's output once {@link #netOut} is written. */
    private boolean shutdownAfterFlush;

    TlsTransport(SocketChannel channel, SSLEngine engine, TlsScratch scratch, Stats stats, TlsSession session,
                 ByteBuffer netIn, ByteBuffer netOut) {
        this.channel = channel;
        this.engine = engine;
        this.scratch = scratch;
        this.stats = stats;
        this.session = session;
        this.packetSize = engine.getSession().getPacketBufferSize();
        this.appSize = engine.getSession().getApplicationBufferSize();
        this.tls13 = "TLSv1.3".equals(session.protocol());
        this.netIn = netIn == null ? null : copyToHeld(netIn);
        this.netOut = netOut == null ? null : copyToHeld(netOut);
    }

    /** A pooled copy of {@code b[position, limit)}, in read mode. */
    private ByteBuffer copyToHeld(ByteBuffer b) {
        return scratch.hold(b.remaining()).put(b).flip();
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public TlsSession session() {
        return session;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        try {
            return unwrapInto(dst);
        } catch (SSLException e) {
            throw failed("read", e);
        }
    }

    /** Reads ciphertext (at most what {@code dst} can take as plaintext) and unwraps every complete record. */
    private int unwrapInto(ByteBuffer dst) throws IOException {
        ByteBuffer in = scratch.in(Math.max(dst.remaining(), packetSize) + packetSize
                + (netIn == null ? 0 : netIn.remaining()));
        in.clear();
        if (netIn != null) {
            in.put(netIn); // netIn is in read mode
            scratch.release(netIn);
            netIn = null;
        }
        in.flip();
        int produced = 0;
        boolean eof = false;
        outer:
        while (true) {
            while (TlsRecords.complete(in, packetSize)) {
                if (dst.remaining() == 0) {
                    break outer;
                }
                SSLEngineResult r = unwrapRecord(in, dst);
                produced += r.bytesProduced();
                switch (r.getStatus()) {
                    case OK -> afterHandshakeStep(r.getHandshakeStatus(), null);
                    case CLOSED -> {
                        inboundClosed = true;
                        afterHandshakeStep(engine.getHandshakeStatus(), null); // TLS 1.2 answers close_notify
                        break outer;
                    }
                    case BUFFER_OVERFLOW -> {
                        break outer; // dst is full: the caller delivers its frames and reads again
                    }
                    default -> throw new SSLException("unexpected unwrap status " + r.getStatus());
                }
            }
            if (eof || inboundClosed || dst.remaining() == 0) {
                break;
            }
            in.compact();
            int room = Math.min(in.remaining(), Math.max(dst.remaining(), packetSize));
            int limit = in.limit();
            in.limit(in.position() + room);
            int n = channel.read(in);
            in.limit(limit);
            in.flip();
            if (n < 0) {
                eof = true;
            } else if (n == 0) {
                break;
            }
        }
        if (in.hasRemaining()) {
            netIn = copyToHeld(in);
        }
        if (produced > 0) {
            return produced;
        }
        if (inboundClosed) {
            return -1;
        }
        if (eof) {
            if (netIn != null) {
                throw new SSLException("connection closed inside a record (" + netIn.remaining() + " bytes of it)");
            }
            log.debug("{}: TLS peer closed without close_notify", channel);
            return -1;
        }
        return 0;
    }

    /** Unwraps one record into {@code dst} through the heap scratch (see {@link TlsScratch} for why). */
    private SSLEngineResult unwrapRecord(ByteBuffer in, ByteBuffer dst) throws SSLException {
        ByteBuffer plain = scratch.plainIn(appSize);
        plain.clear();
        plain.limit(Math.min(plain.capacity(), dst.remaining()));
        SSLEngineResult r = engine.unwrap(in, plain);
        plain.flip();
        dst.put(plain);
        return r;
    }

    /**
     * Services what the engine wants after the handshake: TLS 1.3 messages and a close reply are wrapped
     * (into {@code pending}, in order after the records already there, or else sent on their own); a TLS 1.2
     * handshake is a renegotiation, refused.
     */
    private void afterHandshakeStep(HandshakeStatus hs, ByteBuffer pending) throws IOException {
        while (true) {
            switch (hs) {
                case NOT_HANDSHAKING, FINISHED -> {
                    return;
                }
                case NEED_WRAP -> {
                    if (!tls13 && !inboundClosed && !outboundClosed) {
                        throw new SSLException("renegotiation refused");
                    }
                    hs = wrapControl(pending);
                }
                case NEED_TASK -> {
                    if (!tls13) {
                        throw new SSLException("renegotiation refused");
                    }
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run(); // TLS 1.3 post-handshake work is small: a ticket, a key update
                    }
                    hs = engine.getHandshakeStatus();
                }
                default -> { // NEED_UNWRAP: the engine waits for more input, which reads bring
                    if (!tls13 && !inboundClosed) {
                        throw new SSLException("renegotiation refused");
                    }
                    return;
                }
            }
        }
    }

    /** Wraps one control record (no application data): into {@code pending} if given, else sent at once. */
    private HandshakeStatus wrapControl(ByteBuffer pending) throws IOException {
        ByteBuffer out = pending;
        if (out == null) {
            out = scratch.control(packetSize);
            out.clear();
        } else if (out.remaining() < packetSize) {
            out.flip();
            send(out); // keeps order: what the socket does not take waits in netOut, ahead of what follows
            out.clear();
        }
        SSLEngineResult r = engine.wrap(EMPTY, out);
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            outboundClosed = true;
        }
        if (pending == null) {
            out.flip();
            send(out);
        }
        return r.getStatus() == SSLEngineResult.Status.CLOSED ? HandshakeStatus.NOT_HANDSHAKING : r.getHandshakeStatus();
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        try {
            return wrapFrom(srcs, offset, length);
        } catch (SSLException e) {
            throw failed("write", e);
        }
    }

    private long wrapFrom(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (!flushPending()) {
            return 0;
        }
        if (outboundClosed) { // a TLS 1.2 peer closed both directions: what is queued cannot be sent any more
            long n = remaining(srcs, offset, length);
            for (int i = offset; i < offset + length; i++) {
                srcs[i].position(srcs[i].limit());
            }
            log.debug("{}: TLS output closed; {} queued bytes discarded", channel, n);
            return n;
        }
        // Up to four records per socket write: fewer write calls, and fewer wake-ups of the reader, when much is
        // queued (one record per write cost about a tenth more loop CPU per message at 1000 pairs x 1 KiB).
        // The price: a connection whose socket fills holds up to four records of ciphertext (about 64 KiB)
        // until it drains, private to it even where the plaintext was a fan-out shared with others.
        long consumed = 0;
        ByteBuffer out = scratch.out(4 * packetSize);
        while (remaining(srcs, offset, length) > 0) {
            out.clear();
            while (out.remaining() >= packetSize && remaining(srcs, offset, length) > 0) {
                SSLEngineResult r = wrapRecord(srcs, offset, length, out); // one record, gathered
                consumed += r.bytesConsumed();
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    throw new SSLException("unexpected wrap status " + r.getStatus());
                }
                afterHandshakeStep(r.getHandshakeStatus(), out);
            }
            out.flip();
            if (!send(out)) {
                break; // the socket is full: the rest waits for writability
            }
        }
        return consumed;
    }

    /**
     * Wraps one record of the plaintext in {@code srcs} into {@code out} through the heap scratch (see
     * {@link TlsScratch} for why): copies up to a record's worth without moving the sources, and moves them
     * past what the engine took only, so a record smaller than the copy loses nothing.
     */
    private SSLEngineResult wrapRecord(ByteBuffer[] srcs, int offset, int length, ByteBuffer out) throws SSLException {
        ByteBuffer plain = scratch.plainOut(MAX_RECORD_PLAINTEXT);
        plain.clear();
        for (int i = offset; i < offset + length && plain.hasRemaining(); i++) {
            ByteBuffer src = srcs[i];
            int n = Math.min(src.remaining(), plain.remaining());
            plain.put(plain.position(), src, src.position(), n);
            plain.position(plain.position() + n);
        }
        plain.flip();
        SSLEngineResult r = engine.wrap(plain, out);
        int taken = r.bytesConsumed();
        for (int i = offset; i < offset + length && taken > 0; i++) {
            ByteBuffer src = srcs[i];
            int n = Math.min(src.remaining(), taken);
            src.position(src.position() + n);
            taken -= n;
        }
        return r;
    }

    private static long remaining(ByteBuffer[] srcs, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += srcs[i].remaining();
        }
        return n;
    }

    /**
     * Writes {@code out} after anything held before it; keeps what the socket does not take.
     *
     * @return whether everything is on the wire
     */
    private boolean send(ByteBuffer out) throws IOException {
        if (netOut == null) {
            channel.write(out);
            if (!out.hasRemaining()) {
                return true;
            }
            netOut = copyToHeld(out);
            return false;
        }
        if (netOut.capacity() - netOut.remaining() >= out.remaining()) {
            netOut.compact().put(out).flip();
        } else {
            ByteBuffer joined = scratch.hold(netOut.remaining() + out.remaining()).put(netOut).put(out).flip();
            scratch.release(netOut);
            netOut = joined;
        }
        return flushPending();
    }

    @Override
    public boolean hasPendingOutput() {
        return netOut != null;
    }

    @Override
    public int heldOutputBytes() {
        return netOut == null ? 0 : netOut.remaining();
    }

    @Override
    public boolean flushPending() throws IOException {
        if (netOut != null) {
            channel.write(netOut);
            if (netOut.hasRemaining()) {
                return false;
            }
            scratch.release(netOut);
            netOut = null;
        }
        if (shutdownAfterFlush) {
            shutdownAfterFlush = false;
            channel.shutdownOutput();
        }
        return true;
    }

    @Override
    public boolean hasBufferedInput() {
        return netIn != null && !inboundClosed && TlsRecords.completeOrBad(netIn, packetSize);
    }

    @Override
    public boolean closeOutbound() throws IOException {
        if (!outboundClosed) {
            outboundClosed = true;
            engine.closeOutbound();
            try {
                while (!engine.isOutboundDone()) {
                    ByteBuffer out = scratch.out(packetSize);
                    out.clear();
                    SSLEngineResult r = engine.wrap(EMPTY, out);
                    out.flip();
                    send(out);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED || r.bytesProduced() == 0) {
                        break;
                    }
                }
            } catch (SSLException e) {
                log.debug("{}: close_notify not sent: {}", channel, e.toString());
            }
        }
        return flushPending();
    }

    @Override
    public void shutdownOutput() throws IOException {
        shutdownAfterFlush = true;
        closeOutbound();
    }

    @Override
    public void close() {
        if (netIn != null) {
            scratch.release(netIn);
            netIn = null;
        }
        if (netOut != null) {
            scratch.release(netOut);
            netOut = null;
        }
        try {
            engine.closeInbound();
        } catch (SSLException e) {
            // no close_notify from the peer: it is being closed anyway
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("close failed", e);
        }
    }

    /** Counts and logs a TLS failure on an established connection; the caller closes it. */
    private SSLException failed(String during, SSLException e) {
        stats.tlsFailures++;
        log.info("{}: TLS {} failed: {}", channel, during, e.getMessage());
        return e;
    }
}
