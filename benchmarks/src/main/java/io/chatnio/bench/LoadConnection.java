package io.chatnio.bench;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One non-blocking client connection of the load driver, registered with the driver's selector with
 * itself attached.
 *
 * <p>Threading: built on the thread that sets the scenario up; once the driver thread started, only that
 * thread touches it, except {@link #close} (any thread, after the driver thread stopped or gave up).
 */
abstract class LoadConnection {

    /** The client end; non-blocking. */
    final SocketChannel channel;
    /** Its registration with the driver's selector; the attachment is this. */
    final SelectionKey key;
    /** The interest ops last set on {@link #key}; saves a call when unchanged. */
    private int interest = SelectionKey.OP_READ;

    LoadConnection(SocketChannel channel, Selector selector) throws IOException {
        this.channel = channel;
        this.key = channel.register(selector, SelectionKey.OP_READ, this);
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
