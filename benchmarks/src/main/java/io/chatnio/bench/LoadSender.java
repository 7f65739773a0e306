package io.chatnio.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;

/**
 * A sending connection of the load driver: writes its message lines 0, 1, 2, ... as fast as its credit
 * (messages it may have sent in total, set by the driver's flow control) allows, each line stamped with
 * the sender's index and its sequence number ({@link MessageStamp}).
 *
 * <p>The lines come from a {@link LineRing}: encoded once, only the sequence digits patched in place.
 *
 * <p>With TLS, "written" means wrapped: the same slices go to {@link TlsLoadChannel#write}, which encrypts
 * them into records (one per 16 KiB of plaintext) and writes those; ciphertext the socket did not take
 * waits in that channel, and a slot is free again once its line is encrypted.
 *
 * <p>Threading: built on the thread that sets the scenario up; afterwards the driver thread only.
 */
final class LoadSender extends LoadConnection {

    /** Its local port: the sender port the server writes in every delivered line. */
    final int port;
    /** Its index, the sender index in its stamps. */
    final int index;
    /** Its lines, and how much of them is written. */
    private final LineRing ring;
    /** Messages it may have sent in total; only grows. */
    long credit;
    /** Whether it is in the driver's list of senders to pump after this selection round. */
    boolean dirty;

    /**
     * @param line its line with the stamp of sequence 0 at {@code stampAt}
     * @param window the most messages credited beyond the last fully written one
     * @param tlsEngine a client engine for TLS, or null for plain
     */
    LoadSender(SocketChannel channel, Selector selector, int index, byte[] line, int stampAt, int window,
               SSLEngine tlsEngine) throws IOException {
        super(channel, selector, tlsEngine, CONTROL_PACKETS, BULK_PACKETS);
        this.port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        this.index = index;
        this.ring = new LineRing("sender " + port, line, stampAt, window);
    }

    /** Messages written completely. */
    long messagesWritten() {
        return ring.messagesWritten();
    }

    /**
     * Writes every credited byte not yet written, in one (gathering) write, or with TLS wraps them and writes
     * the records; asks for writability if some is left (with TLS: ciphertext is pending).
     */
    void pump() throws IOException {
        int slices = ring.frame(credit);
        if (slices == 0) {
            writeInterest(tls != null && tls.flush());
        } else if (tls != null) {
            ring.wrote(tls.write(ring.slices(), 0, slices));
            writeInterest(tls.hasPendingOutput());
        } else {
            writeInterest(ring.writeTo(channel, slices));
        }
    }
}
