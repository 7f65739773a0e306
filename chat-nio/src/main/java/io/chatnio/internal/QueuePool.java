package io.chatnio.internal;

/**
 * Free {@link OutboundQueue}s. A connection takes a queue when its first output is queued and gives it back
 * once the queue is drained, so an idle connection holds none (a queue with its entry arrays is about 260
 * bytes, over a quarter of what an idle connection would otherwise cost), while busy connections cycle
 * through this pool instead of allocating. The pool keeps at most {@code maxFree} queues; beyond that,
 * given-back queues are left to the collector, so what it holds is bounded however many connections were
 * once busy at the same time.
 *
 * <p><b>Threading.</b> Loop thread only.
 */
final class QueuePool {
    /** Free queues in {@code [0, count)}; each {@link OutboundQueue#isAsNew}. */
    private final OutboundQueue[] free;
    private int count;

    /** @param maxFree most free queues kept */
    QueuePool(int maxFree) {
        free = new OutboundQueue[maxFree];
    }

    /** An empty queue, pooled or new. */
    OutboundQueue take() {
        if (count > 0) {
            OutboundQueue q = free[--count];
            free[count] = null;
            return q;
        }
        return new OutboundQueue();
    }

    /** Takes back a queue from {@link #take} that {@link OutboundQueue#releaseIfDrained} left as new. */
    void release(OutboundQueue q) {
        assert q.isAsNew() : "a queue given back must be drained";
        if (count < free.length) {
            free[count++] = q;
        }
    }

    /** Free queues held now. */
    int freeCount() {
        return count;
    }
}
