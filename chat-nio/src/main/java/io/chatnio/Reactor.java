package io.chatnio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@link java.nio.channels.Selector} loop on one thread: it owns the listening channels, every accepted
 * connection and all their buffers, decodes inbound frames, hands them to the {@link Handler}, and writes
 * outbound frames with gathering writes, once per loop pass.
 *
 * <p>Build and start one with {@link #builder()}. Then {@link #bind} one or more addresses.
 *
 * <p><b>Threading.</b> Methods marked "any thread" are thread-safe; cross-thread calls enqueue a task on the
 * loop and wake it up only if it is waiting in select. Methods marked "loop thread only" throw
 * {@link IllegalStateException} elsewhere: run them in a handler callback or via {@link #execute}.
 */
public interface Reactor extends AutoCloseable {

    /** A builder with the defaults of {@link ReactorBuilder}. */
    static ReactorBuilder builder() {
        return new ReactorBuilder();
    }

    /**
     * Opens a listening socket on {@code address} (port 0 picks a free port) and starts accepting on it.
     * Any thread; blocks until the loop has registered it.
     *
     * @return the address actually bound
     * @throws IOException if the address cannot be bound
     * @throws IllegalStateException if the reactor is closing or closed
     */
    InetSocketAddress bind(SocketAddress address) throws IOException;

    /** The addresses currently bound, in bind order. Any thread. */
    List<InetSocketAddress> boundAddresses();

    /** Runs {@code task} on the loop thread, after tasks submitted before it. Any thread. */
    void execute(Runnable task);

    /**
     * Runs {@code task} on the loop thread once {@code delay} has passed on the reactor's {@link Clock}.
     * Any thread.
     */
    Cancellable schedule(long delay, TimeUnit unit, Runnable task);

    /** Whether the caller is this reactor's loop thread. Any thread. */
    boolean inEventLoop();

    /** The connections open now, keyed by id, address, name and group. Loop thread only. */
    ConnectionRegistry registry();

    /** Begins a message whose one encoding is shared by many recipients; see {@link MessageWriter}. Loop thread only. */
    MessageWriter fanout();

    /** A snapshot of the counters. Any thread: the values are each exact but read without a common lock. */
    ReactorStats stats();

    /** The reactor's clock. Any thread. */
    Clock clock();

    /**
     * Graceful shutdown with the builder's close timeout: {@link #close(Duration)}.
     */
    @Override
    void close();

    /**
     * Graceful shutdown: stop accepting, stop reading, write what every connection has queued for up to
     * {@code drainTimeout}, close every channel and end the thread. Idempotent. Any thread. Off the loop
     * thread it then waits, up to {@code drainTimeout} plus a second, for the loop to end; on the loop thread
     * it only starts the shutdown.
     *
     * @throws ReactorException if the loop ended because of a fatal error; that error is the cause
     */
    void close(Duration drainTimeout);

    /**
     * Waits for the loop thread to end.
     *
     * @return {@code true} if it ended within the timeout
     * @throws ReactorException if the loop ended because of a fatal error
     */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException;

    /** {@code true} once the loop thread has ended. Any thread. */
    boolean isTerminated();
}
