package io.chatnio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One {@link java.nio.channels.Selector} loop on one thread: it owns the listening channels, every accepted
 * connection and all their buffers, decodes inbound frames, hands them to the {@link Handler}, and writes
 * outbound frames with gathering writes, once per loop pass.
 *
 * <p>Build and start one with {@link #builder()}. Then {@link #bind} one or more addresses, each with its own
 * {@link ConnectionOptions} (framing) if wanted, and {@link #connect} to other servers: an outbound
 * connection behaves exactly like an accepted one.
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
     * Opens a listening socket on {@code address} (port 0 picks a free port) and starts accepting on it, with
     * the reactor's codec. Any thread; blocks until the loop has registered it.
     *
     * @return the address actually bound
     * @throws IOException if the address cannot be bound
     * @throws IllegalStateException if the reactor is closing or closed
     */
    default InetSocketAddress bind(SocketAddress address) throws IOException {
        return bind(address, ConnectionOptions.defaults());
    }

    /**
     * {@link #bind(SocketAddress)} with per-listener settings: every connection accepted on this address
     * uses {@code options}' codec. Any thread; blocks until the loop has registered it.
     */
    InetSocketAddress bind(SocketAddress address, ConnectionOptions options) throws IOException;

    /** {@link #connect(SocketAddress, ConnectionOptions)} with the default options. */
    default CompletableFuture<Connection> connect(SocketAddress address) {
        return connect(address, ConnectionOptions.defaults());
    }

    /**
     * Opens an outbound TCP connection to {@code address}, without blocking. Any thread. Once connected it
     * is registered and behaves exactly like an accepted connection: same handler, flow control, limits
     * and stats, framed by {@code options}' codec; {@link Handler#onOpen} runs before the future completes.
     *
     * @param address a resolved address (the loop never blocks on a name lookup)
     * @return completes with the connection, on the loop thread; or exceptionally with the connect's
     *         {@link IOException}, a {@link java.net.SocketTimeoutException} after
     *         {@link ConnectionOptions#connectTimeout()}, a {@link java.nio.channels.UnresolvedAddressException}
     *         for an unresolved address, or an {@link IllegalStateException} if the reactor is closing or the
     *         connection limit is reached
     */
    CompletableFuture<Connection> connect(SocketAddress address, ConnectionOptions options);

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

    /**
     * A snapshot of the counters. Any thread. On the loop thread it is exact. Elsewhere the loop is asked for
     * an exact one; if it does not answer within 100 ms (busy, or closed) the snapshot it last published is
     * returned instead (published whenever the loop may wait, and at least every 64 passes). Never throws.
     */
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
