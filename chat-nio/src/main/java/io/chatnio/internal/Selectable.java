package io.chatnio.internal;

/**
 * What a selection key of the loop is attached to: a connection, a listener, a pending connect.
 *
 * <p><b>Threading.</b> Only called on the loop thread.
 */
interface Selectable {

    /** The key's channel is ready for {@code readyOps}; handle it without blocking. */
    void ready(int readyOps);
}
