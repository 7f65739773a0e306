package io.chatnio;

import java.nio.ByteBuffer;

/**
 * The application's side of a reactor: told of each connection's life and handed each decoded frame.
 *
 * <p><b>Threading.</b> Every method is called on the reactor's loop thread, one call at a time; a handler
 * needs no synchronization for state it only touches from these callbacks. It must not block: the whole
 * reactor waits for it.
 *
 * <p><b>Errors.</b> An exception thrown by {@link #onOpen} or {@link #onMessage} is logged and closes that
 * connection only; the loop carries on. Exceptions from {@link #onClose} and {@link #onWritabilityChanged}
 * are logged and otherwise ignored.
 */
public interface Handler {

    /** A connection was accepted and registered. It can be sent to from now on. */
    default void onOpen(Connection connection) throws Exception {
    }

    /**
     * One decoded frame arrived on {@code connection}.
     *
     * @param payload the frame's payload between its position and limit. The buffer belongs to the loop and
     *                is reused for the next frame: read it, or copy what you need, before returning; never
     *                keep it. Moving its position or limit is allowed and has no effect on decoding.
     */
    void onMessage(Connection connection, ByteBuffer payload) throws Exception;

    /**
     * The connection is closed and forgotten by the reactor; sending to it is a no-op from now on.
     *
     * @param cause why it closed: {@code null} for an orderly close by either side, else the error
     */
    default void onClose(Connection connection, Throwable cause) {
    }

    /**
     * {@link Connection#isWritable()} flipped: pending outbound bytes rose above the high watermark, or fell
     * back below the low watermark.
     */
    default void onWritabilityChanged(Connection connection) {
    }
}
