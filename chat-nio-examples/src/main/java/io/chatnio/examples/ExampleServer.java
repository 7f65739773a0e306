package io.chatnio.examples;

import io.chatnio.Reactor;
import java.net.InetSocketAddress;

/**
 * A running example server, whatever protocol it speaks ({@link SeedServer}, {@link io.chatnio.examples.irc.IrcServer}):
 * what the {@code server} subcommand needs to report on it and stop it.
 *
 * <p><b>Threading.</b> {@link #address()}, {@link #reactor()} and {@link #close()}: any thread.
 * {@link #summary()}: the reactor's loop thread only.
 */
public interface ExampleServer extends AutoCloseable {

    /** The address actually bound (with the real port if 0 was asked for). Any thread. */
    InetSocketAddress address();

    /** The reactor serving the protocol. Any thread. */
    Reactor reactor();

    /**
     * What the protocol knows beyond the reactor's counters, for the periodic stats line (for IRC: clients and
     * channels); empty if nothing. Loop thread only.
     */
    default String summary() {
        return "";
    }

    /**
     * Graceful shutdown: stops accepting, writes what is queued (up to the reactor's close timeout), closes every
     * connection and, off the loop thread, waits for the loop to end. Idempotent. Any thread.
     */
    @Override
    void close();
}
