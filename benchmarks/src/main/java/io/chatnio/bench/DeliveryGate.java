package io.chatnio.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * Where a load driver's selector loop publishes its delivery count, and where a benchmark thread waits for
 * a target count: the loop unparks the waiter when the target is reached or the loop ends, so the waiter
 * needs no polling. Shared by the seed protocol's {@link LoadLoop} and the IRC scenario's {@link IrcLoop}.
 *
 * <p>Threading: {@link #publish} and {@link #loopEnded} on the loop thread only; {@link #delivered} and
 * {@link #await} from any thread (one waiter at a time).
 */
final class DeliveryGate {
    /** Deliveries the loop has published; written by the loop thread only. */
    private volatile long delivered;
    /** The thread parked in {@link #await}, unparked at {@link #waitTarget} or when the loop ends. */
    private volatile Thread waiter;
    /** The delivery count at which {@link #waiter} is unparked. */
    private volatile long waitTarget = Long.MAX_VALUE;

    long delivered() {
        return delivered;
    }

    /** The loop's count after a selection round; unparks the waiter once it reaches its target. */
    void publish(long count) {
        if (count != delivered) {
            delivered = count;
            if (count >= waitTarget) {
                unparkWaiter();
            }
        }
    }

    /** The loop ended (or failed): the waiter must look at why. */
    void loopEnded() {
        unparkWaiter();
    }

    private void unparkWaiter() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /**
     * Parks the calling thread until {@code count} deliveries are published or {@code timeoutNanos} pass,
     * running {@code checkHealthy} (which throws when the load failed) before each look at the count.
     *
     * @return whether the count was reached in time
     */
    boolean await(long count, long timeoutNanos, Runnable checkHealthy, Object blocker) {
        if (delivered >= count) {
            return true;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        waitTarget = count;
        waiter = Thread.currentThread();
        try {
            // Bounded by the deadline; each park ends by unpark (target reached, loop ended) or timeout.
            while (true) {
                checkHealthy.run();
                if (delivered >= count) {
                    return true;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                LockSupport.parkNanos(blocker, remaining);
            }
        } finally {
            waiter = null;
            waitTarget = Long.MAX_VALUE;
        }
    }
}
