package io.chatnio;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The application's side of a reactor: a {@link ConnectionListener} that is also handed each decoded frame.
 * Most applications do not write one by hand: they give the reactor a {@link Router}, and optionally a
 * listener, with {@link #routing(Router, ConnectionListener)}.
 *
 * <p><b>Threading.</b> Every method is called on the reactor's loop thread, one call at a time, never
 * nested; a handler needs no synchronization for state it only touches from these callbacks. It must not
 * block: the whole reactor waits for it.
 *
 * <p><b>Errors.</b> An exception thrown by {@link #onMessage} is logged at WARN, counted in
 * {@link ReactorStats#protocolErrors()} and closes that connection only; the loop carries on.
 */
public interface Handler extends ConnectionListener {

    /**
     * One decoded frame arrived on {@code connection}.
     *
     * @param payload the frame's payload between its position and limit. The buffer belongs to the loop and
     *                is reused for the next frame: read it, or copy what you need, before returning; never
     *                keep it. Moving its position or limit is allowed and has no effect on decoding.
     */
    void onMessage(Connection connection, ByteBuffer payload) throws Exception;

    /**
     * A handler that routes every message with {@code router} (against the reactor's registry) and reports
     * the connections' life to {@code listener}. Errors are logged under the router's name.
     */
    static Handler routing(Router router, ConnectionListener listener) {
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(listener, "listener");
        return new Handler() {
            @Override
            public void onMessage(Connection connection, ByteBuffer payload) throws Exception {
                router.route(connection, payload, connection.reactor().registry());
            }

            @Override
            public void onOpen(Connection connection) throws Exception {
                listener.onOpen(connection);
            }

            @Override
            public void onClose(Connection connection, Throwable cause) {
                listener.onClose(connection, cause);
            }

            @Override
            public void onWritabilityChanged(Connection connection) {
                listener.onWritabilityChanged(connection);
            }

            @Override
            public void onRefused(Connection connection, Refusal reason) {
                listener.onRefused(connection, reason);
            }

            @Override
            public String toString() {
                return "router " + router;
            }
        };
    }

    /** {@link #routing(Router, ConnectionListener)} with no listener. */
    static Handler routing(Router router) {
        return routing(router, new ConnectionListener() {
        });
    }
}
