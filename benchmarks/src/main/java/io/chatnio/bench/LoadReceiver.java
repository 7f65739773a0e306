package io.chatnio.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;

/**
 * A receiving connection of the load driver (a forwarding receiver or a fan-out member): writes its
 * hello (the lines that make the server confirm it is registered), then hands every byte it reads to its
 * {@link LineChecker}. With TLS, the hello is written once the handshake is done, and the checker gets the
 * plaintext.
 *
 * <p>Threading: {@link #expect} on the thread that sets the scenario up, before the driver thread starts;
 * everything else on the driver thread, except {@link #firstLine} (any thread).
 */
final class LoadReceiver extends LoadConnection {

    /** Its index in the scenario: the pair index in forwarding, the member index in fan-out. */
    final int index;
    /** Its local address: the address the server sees and senders write to. */
    final InetSocketAddress address;
    /** The hello still to write; set once by {@link #expect}. */
    private ByteBuffer hello;
    /** {@link #hello} alone, as {@link TlsLoadChannel#write} takes it; set once by {@link #expect}. */
    private ByteBuffer[] helloArray;
    /** Checks and counts what it receives; set once by {@link #expect}. */
    private LineChecker checker;

    /** @param tlsEngine a client engine for TLS, or null for plain */
    LoadReceiver(SocketChannel channel, Selector selector, int index, SSLEngine tlsEngine) throws IOException {
        super(channel, selector, tlsEngine, BULK_PACKETS, CONTROL_PACKETS);
        this.index = index;
        this.address = (InetSocketAddress) channel.getLocalAddress();
    }

    /**
     * Sets what it writes first ({@code helloBytes}) and what it must receive: {@code confirmation}, then
     * message lines from sender {@code sender} of which {@code firstMessageLine} is line 0, its stamp at
     * {@code stampAt}.
     */
    void expect(byte[] helloBytes, byte[] confirmation, byte[] firstMessageLine, int stampAt, int sender) {
        hello = ByteBuffer.allocateDirect(helloBytes.length).put(helloBytes).flip();
        helloArray = new ByteBuffer[] {hello};
        checker = new LineChecker(SeedProtocol.format(address) + " (index " + index + ")", confirmation,
                firstMessageLine, stampAt, sender);
    }

    /**
     * Writes what is left of the hello (with TLS: wraps it and writes any pending ciphertext; called once the
     * handshake is done); asks for writability while some is left.
     */
    void writeHello() throws IOException {
        if (tls == null) {
            if (hello.hasRemaining()) {
                channel.write(hello);
            }
            writeInterest(hello.hasRemaining());
        } else {
            tls.write(helloArray, 0, 1);
            writeInterest(tls.hasPendingOutput());
        }
    }

    /** The checker of what it received. */
    LineChecker checker() {
        return checker;
    }

    /** A copy of the first message line it received, once checked, else null. */
    byte[] firstLine() {
        return checker.firstLine();
    }
}
