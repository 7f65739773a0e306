package io.chatnio.bench;

/**
 * A running load whose message deliveries a {@link LoadBenchmark} counts: the seed protocol's
 * {@link LoadDriver} and the IRC scenario's {@link IrcDriver}.
 *
 * <p>Threading: both methods may be called from any thread.
 */
interface DeliveryCounter {

    /** Messages delivered so far, each received and checked. */
    long delivered();

    /**
     * Blocks until at least {@code count} messages in total have been delivered.
     *
     * @return true when reached, false when {@code timeoutNanos} elapsed first
     * @throws IllegalStateException when the load failed (a server error, a wrong byte, a closed connection)
     */
    boolean awaitDelivered(long count, long timeoutNanos);
}
