package io.chatnio;

/**
 * A per-connection token bucket on inbound messages: {@code burst} tokens, refilled at
 * {@code messagesPerSecond}; each decoded message takes one. Immutable.
 *
 * @param messagesPerSecond sustained rate, positive
 * @param burst             bucket size, at least 1
 * @param action            what happens to a connection that finds the bucket empty
 */
public record RateLimit(double messagesPerSecond, int burst, Action action) {

    /** What to do when a message arrives and the bucket is empty. */
    public enum Action {
        /** Stop reading until a token is available: the sender is slowed by TCP backpressure, nothing is lost. */
        SLOW_DOWN,
        /**
         * Tell the application ({@link ConnectionListener#onRefused} with {@link Refusal#RATE_LIMITED}), which
         * may send a reply, then close the connection gracefully.
         */
        DISCONNECT
    }

    public RateLimit {
        if (!(messagesPerSecond > 0) || burst < 1 || action == null) {
            throw new IllegalArgumentException("need a positive rate, a burst >= 1 and an action");
        }
    }
}
