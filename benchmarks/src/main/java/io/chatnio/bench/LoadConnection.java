package io.chatnio.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;

/**
 * One non-blocking client connection of the load driver, registered with the driver's selector with
 * itself attached; plain, or TLS through its {@link TlsLoadChannel}. The plain path pays one null check
 * per read or write batch for TLS, nothing per line.
 *
 * <p>Threading: built on the thread that sets the scenario up; once the driver thread started, only that
 * thread touches it, except {@link #close} (any thread, after the driver thread stopped or gave up).
 */
abstract class LoadConnection {

    /** Packets of ciphertext buffered in the direction a TLS connection carries the load. */
    static final int BULK_PACKETS = 4;
    /** Packets of ciphertext buffered in the other direction (handshake, hello, session tickets). */
    static final int CONTROL_PACKETS = 1;

    /** The client end; non-blocking. */
    final SocketChannel channel;
    /** TLS over {@link #channel}, or null for a plain connection. */
    final TlsLoadChannel tls;
    /** Its registration with the driver's selector; the attachment is this. */
    final SelectionKey key;
    /** The interest ops last set on {@link #key}; saves a call when unchanged. */
    private int interest = SelectionKey.OP_READ;

    /**
     * @param tlsEngine a client engine ({@link TlsLoadChannel#clientEngine}) for TLS, or null for plain
     * @param inPackets, outPackets TLS ciphertext buffer sizes ({@link #BULK_PACKETS}, {@link #CONTROL_PACKETS})
     */
    LoadConnection(SocketChannel channel, Selector selector, SSLEngine tlsEngine, int inPackets, int outPackets)
            throws IOException {
        this.channel = channel;
        this.tls = tlsEngine == null ? null : new TlsLoadChannel(channel, tlsEngine, inPackets, outPackets);
        this.key = channel.register(selector, SelectionKey.OP_READ, this);
    }

    /**
     * Reads into {@code dst} from its position: the socket's bytes, or with TLS the plaintext of every whole
     * record that arrived ({@link TlsLoadChannel#read}); -1 when the server closed.
     */
    final int read(ByteBuffer dst) throws IOException {
        if (tls == null) {
            return channel.read(dst);
        }
        int n = tls.read(dst);
        if (tls.hasPendingOutput()) {
            writeInterest(true); // an answer to a post-handshake message the socket did not take yet
        }
        return n;
    }

    /** Read interest always; write interest while {@code on} (the socket buffer was full). */
    final void writeInterest(boolean on) {
        int ops = on ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
        if (ops != interest) {
            interest = ops;
            key.interestOps(ops);
        }
    }

    /** Closes the channel, ignoring errors (closing anyway). */
    final void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
