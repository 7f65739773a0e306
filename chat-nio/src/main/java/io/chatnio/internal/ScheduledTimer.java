package io.chatnio.internal;

import io.chatnio.Cancellable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A task due at a deadline on the loop's clock. Ordered by deadline, then by scheduling order.
 *
 * <p><b>Threading.</b> Created on any thread; queued, run and removed on the loop thread only.
 * {@link #cancel()} may be called from any thread: it flips {@link #state}, and the loop drops cancelled
 * timers when they reach the head of its queue.
 */
final class ScheduledTimer extends AtomicInteger implements Cancellable, Comparable<ScheduledTimer> {
    private static final long serialVersionUID = 1L;
    static final int WAITING = 0;
    static final int RUN = 1;
    static final int CANCELLED = 2;

    /** Loop clock time at which to run. */
    final long deadline;
    /** Tie-breaker: scheduling order, assigned on the loop thread. */
    long seq;
    /**
     * What to run; dropped by a successful {@link #cancel()}, so that a cancelled timer waiting for its turn to
     * leave the queue keeps nothing alive (a TLS handshake's buffers, say). Read only after {@link #claim()}.
     */
    Runnable task;

    ScheduledTimer(long deadline, Runnable task) {
        this.deadline = deadline;
        this.task = task;
    }

    @Override
    public boolean cancel() {
        if (compareAndSet(WAITING, CANCELLED)) {
            task = null; // the loop reads it only after winning claim(), which this CAS ruled out
            return true;
        }
        return false;
    }

    /** Claims the timer for running; false if it was cancelled. */
    boolean claim() {
        return compareAndSet(WAITING, RUN);
    }

    boolean isCancelled() {
        return get() == CANCELLED;
    }

    @Override
    public int compareTo(ScheduledTimer o) {
        int c = Long.compare(deadline - o.deadline, 0);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }
}
