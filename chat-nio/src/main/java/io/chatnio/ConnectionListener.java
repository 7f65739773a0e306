package io.chatnio;

/**
 * Told of each connection's life: opened, closed, writability changed, refused. Every method has an empty
 * default, so an implementation overrides only what it needs. Combine one with a {@link Router} through
 * {@link Handler#routing(Router, ConnectionListener)} (or {@link ReactorBuilder#router(Router,
 * ConnectionListener)}): for example join a room on open, announce a departure on close.
 *
 * <p><b>Threading.</b> Every method is called on the reactor's loop thread, one call at a time, never
 * nested inside another callback: a connection closed during a callback is reported after that callback
 * returns. It must not block.
 *
 * <p><b>Errors.</b> An exception from {@link #onOpen} is logged at WARN and closes that connection; from
 * the others it is logged at WARN and otherwise ignored.
 */
public interface ConnectionListener {

    /** A connection was accepted or connected, and registered. It can be sent to from now on. */
    default void onOpen(Connection connection) throws Exception {
    }

    /**
     * The connection is closed and forgotten by the reactor; sending to it is a no-op from now on. Called
     * once per connection that was {@linkplain #onOpen opened}.
     *
     * @param cause why it closed: {@code null} for an orderly close by either side that lost no queued
     *              output, else the error (an I/O error, bad input, a slow-consumer or idle close, or
     *              output discarded at the close timeout)
     */
    default void onClose(Connection connection, Throwable cause) {
    }

    /**
     * {@link Connection#isWritable()} flipped: pending outbound bytes rose above the high watermark, or fell
     * back below the low watermark.
     */
    default void onWritabilityChanged(Connection connection) {
    }

    /**
     * The reactor is turning {@code connection} away for {@code reason}. It may still be sent to in this
     * call (a refusal line, say, in the connection's own framing); then it is closed gracefully: queued
     * output is written first. A connection refused at accept was never {@linkplain #onOpen opened}, is
     * not in the registry, and gets no {@link #onClose}; one refused for its rate was opened and does.
     */
    default void onRefused(Connection connection, Refusal reason) {
    }
}
