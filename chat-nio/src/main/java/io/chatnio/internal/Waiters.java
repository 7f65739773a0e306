package io.chatnio.internal;

import java.util.Arrays;

/**
 * The senders paused until one slow recipient drains (PAUSE_SENDER): each at most once, in the order they
 * were paused. The array is made on the first, so a recipient nobody waits for holds none.
 *
 * <p><b>Threading.</b> Owned by one connection; only called on its loop thread.
 */
final class Waiters {
    /** Paused senders in {@code [0, count)}; null until the first. */
    private Conn[] senders;
    private int count;

    /** Adds {@code sender}; false if it already waits here. */
    boolean add(Conn sender) {
        Conn[] w = senders;
        for (int i = 0; i < count; i++) {
            if (w[i] == sender) {
                return false;
            }
        }
        if (w == null) {
            w = senders = new Conn[4];
        } else if (count == w.length) {
            w = senders = Arrays.copyOf(w, w.length * 2);
        }
        w[count++] = sender;
        return true;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Empties the list, handing each sender to {@link Conn#recipientDrained()}. */
    void release() {
        Conn[] w = senders;
        int n = count;
        count = 0;
        for (int i = 0; i < n; i++) {
            Conn sender = w[i];
            w[i] = null;
            sender.recipientDrained();
        }
    }
}
