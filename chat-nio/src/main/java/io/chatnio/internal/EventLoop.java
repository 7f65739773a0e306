package io.chatnio.internal;

import io.chatnio.Cancellable;
import io.chatnio.Clock;
import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop itself: one thread, one {@link Selector}, the task queue, the timers and the lifecycle. It knows
 * nothing of connections; each pass it calls the {@link Work} it was started with.
 *
 * <p>A pass has five phases: run queued tasks; select until the next deadline, handling each ready key as it
 * is found; deliver frames of connections whose reading resumed; flush; run expired timers.
 *
 * <p><b>Threading.</b> {@link #execute}, {@link #schedule}, {@link #inEventLoop}, {@link #beginClose},
 * {@link #awaitTermination} and the state queries may be called from any thread; everything else is "Only
 * called on the loop thread". Cross-thread work is a task: enqueue, then wake the selector if the loop is
 * (about to be) blocked in select. {@link #beginClose} always wakes it.
 */
final class EventLoop {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);

    static final int RUNNING = 0;
    static final int CLOSING = 1;
    static final int TERMINATED = 2;
    /** Most queued tasks run per pass; the rest wait for the next pass, after I/O had its turn. */
    private static final int MAX_TASKS_PER_PASS = 4096;
    /** While closing, the longest select, so the drain deadline is noticed without a timer. */
    private static final long CLOSING_POLL_MILLIS = 10;
    private static final AtomicInteger THREAD_COUNT = new AtomicInteger();

    /** What the reactor does in each phase; implemented by {@link ReactorImpl}. Only called on the loop thread. */
    interface Work {
        /** Runs application code (a task or timer) with the reactor's error handling. */
        void run(Runnable task, String what);

        /** Phase 4: frames held back while a connection's reading was paused. */
        void deliverResumed();

        /** Phase 5: write what was queued. */
        void flush();

        /** Whether a pass should not block in select: output, resumed reads or deferred callbacks wait. */
        boolean hasPendingWork();

        /** Shutdown began: stop accepting and close every connection gracefully. Called once. */
        void beginShutdown();

        /** Whether every connection has closed. */
        boolean drained();

        /** The loop is ending: close whatever is left, with {@code failure} as the cause if not null. */
        void closeAll(Throwable failure);

        /** A pass ended; it was busy (not waiting in select) for {@code busyNanos}. */
        void passDone(long busyNanos);
    }

    private final Clock clock;
    private final Thread thread;
    private final Selector selector;
    /** Tasks from any thread, run in order at the start of each pass. */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** True while the loop is in, or about to enter, a blocking select: a submitter must wake it. */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    /** RUNNING, CLOSING or TERMINATED; only ever moves forward. */
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** System.nanoTime() by which a shutdown stops draining; written before the state leaves RUNNING. */
    private volatile long drainDeadline;
    /** The error that ended the loop, or null. */
    private volatile Throwable failure;
    /** Run after deciding to block in select, before saying so; a seam for tests of the race with {@link #beginClose}. */
    volatile Runnable beforeSleep;

    // ---- loop thread only
    private Work work;
    private final PriorityQueue<ScheduledTimer> timers = new PriorityQueue<>();
    private long timerSeq;
    private long passes;
    /** System.nanoTime() of the first ready key of this pass, 0 if none yet: where waiting ended. */
    private long firstKeyNanos;
    /** The clock's time when this pass's I/O began: read before select and again at its first ready key. */
    private long now;
    private final Consumer<SelectionKey> keyHandler = this::processKey;

    EventLoop(Clock clock, String threadName, boolean daemon) throws IOException {
        this.clock = clock;
        this.selector = Selector.open();
        this.thread = new Thread(this::run, threadName + "-" + THREAD_COUNT.incrementAndGet());
        this.thread.setDaemon(daemon);
    }

    /** Starts the thread; {@code work} is called from then on. Called once, by the creating thread. */
    void start(Work work) {
        this.work = work;
        thread.start();
    }

    private void run() {
        try {
            boolean shutdownBegun = false;
            while (true) {
                if (state.get() != RUNNING) {
                    if (!shutdownBegun) {
                        shutdownBegun = true;
                        work.beginShutdown();
                    }
                    if (work.drained() || System.nanoTime() - drainDeadline >= 0) {
                        break;
                    }
                }
                long passStart = System.nanoTime();
                runTasks();                              // 1. tasks other threads queued
                long waited = select();                  // 2. wait for I/O or a deadline; 3. handle ready keys
                work.deliverResumed();                   // 4. frames held while reading was paused
                work.flush();                            // 5. write what this pass queued
                runTimers();                             // 6. timers past their deadline
                work.passDone(System.nanoTime() - passStart - waited);
            }
        } catch (Throwable t) {
            failure = t;
            log.error("event loop failed; closing every connection", t);
        } finally {
            cleanUp();
        }
    }

    /**
     * Selects, handling each ready key as it is found. Only called on the loop thread.
     *
     * @return nanoseconds spent waiting for the first key (or the timeout), not handling keys
     */
    private long select() throws IOException {
        firstKeyNanos = 0;
        now = clock.nanoTime();
        long start = System.nanoTime();
        long timeoutMillis = pendingWork() ? -1 : timeoutMillis();
        if (timeoutMillis >= 0 && state.get() != RUNNING) { // draining: watch the deadline
            timeoutMillis = timeoutMillis == 0 ? CLOSING_POLL_MILLIS : Math.min(timeoutMillis, CLOSING_POLL_MILLIS);
        }
        if (timeoutMillis < 0) {
            selector.selectNow(keyHandler);
        } else {
            Runnable hook = beforeSleep;
            if (hook != null) {
                hook.run();
            }
            sleeping.set(true);
            try {
                // Re-check after publishing `sleeping`: a racing execute() sees the flag and wakes us.
                // beginClose() wakes us whatever the flag, so a state change here is never slept through.
                if (tasks.isEmpty()) {
                    selector.select(keyHandler, timeoutMillis);
                } else {
                    selector.selectNow(keyHandler);
                }
            } finally {
                sleeping.set(false);
            }
        }
        long end = firstKeyNanos != 0 ? firstKeyNanos : System.nanoTime();
        return Math.max(0, end - start);
    }

    /** Whether this pass must not block. Only called on the loop thread. */
    private boolean pendingWork() {
        return !tasks.isEmpty() || work.hasPendingWork();
    }

    /** Until the next timer (0: no timer, wait until woken; -1: one is due). Only called on the loop thread. */
    private long timeoutMillis() {
        ScheduledTimer next = timers.peek();
        if (next == null) {
            return 0;
        }
        long delay = next.deadline - clock.nanoTime();
        return delay <= 0 ? -1 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(delay + 999_999));
    }

    /** Only called on the loop thread, from within select. */
    private void processKey(SelectionKey key) {
        if (firstKeyNanos == 0) {
            firstKeyNanos = System.nanoTime();
            now = clock.nanoTime(); // select may have blocked: what is read now arrived now
        }
        try {
            ((Selectable) key.attachment()).ready(key.readyOps());
        } catch (CancelledKeyException e) {
            // closed earlier in this pass
        }
    }

    /** Only called on the loop thread. */
    private void runTasks() {
        for (int i = 0; i < MAX_TASKS_PER_PASS; i++) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            work.run(task, "task");
        }
    }

    /** Only called on the loop thread. */
    private void runTimers() {
        if (timers.isEmpty()) {
            return;
        }
        long now = clock.nanoTime();
        ScheduledTimer t;
        while ((t = timers.peek()) != null && t.deadline - now <= 0) {
            timers.poll();
            if (t.claim()) {
                work.run(t.task, "timer");
            }
        }
        if ((++passes & 1023) == 0 && timers.size() > 1024) {
            timers.removeIf(ScheduledTimer::isCancelled);
        }
    }

    /** The last thing the loop does. Only called on the loop thread. */
    private void cleanUp() {
        try {
            work.closeAll(failure);
            timers.clear();
            int dropped = tasks.size();
            tasks.clear();
            if (dropped > 0) {
                log.debug("shutdown: {} queued tasks not run", dropped);
            }
            selector.close();
        } catch (Throwable t) {
            if (failure == null) {
                failure = t;
            }
            log.error("shutdown failed", t);
        } finally {
            state.set(TERMINATED);
            terminated.countDown();
        }
    }

    // ---- any thread

    /** Runs {@code task} on the loop thread after tasks queued before it. Any thread. */
    void execute(Runnable task) {
        if (state.get() == TERMINATED) {
            throw new RejectedExecutionException("reactor terminated");
        }
        tasks.offer(task);
        if (!inEventLoop() && sleeping.compareAndSet(true, false)) {
            selector.wakeup();
        }
    }

    /** Runs {@code task} once {@code delayNanos} have passed on the clock. Any thread. */
    Cancellable schedule(long delayNanos, Runnable task) {
        ScheduledTimer t = new ScheduledTimer(clock.nanoTime() + Math.max(0, delayNanos), task);
        if (inEventLoop()) {
            addTimer(t);
        } else {
            execute(() -> addTimer(t));
        }
        return t;
    }

    /** Only called on the loop thread. */
    private void addTimer(ScheduledTimer t) {
        t.seq = timerSeq++;
        timers.add(t);
    }

    boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    /** Throws unless called on the loop thread. Any thread. */
    void assertInLoop() {
        if (Thread.currentThread() != thread) {
            throw notInLoop(); // the message is built elsewhere, so this check stays small enough to inline
        }
    }

    private IllegalStateException notInLoop() {
        return new IllegalStateException("only the loop thread " + thread.getName() + " may call this, not "
                + Thread.currentThread().getName());
    }

    /**
     * Starts a graceful shutdown that gives up draining after {@code drainNanos}; later calls do nothing.
     * Always wakes the selector, so a loop about to block sees the new state. Any thread.
     */
    void beginClose(long drainNanos) {
        if (state.get() == RUNNING) {
            drainDeadline = System.nanoTime() + drainNanos;
            if (state.compareAndSet(RUNNING, CLOSING)) {
                selector.wakeup();
            }
        }
    }

    boolean isRunning() {
        return state.get() == RUNNING;
    }

    boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    /** The error that ended the loop, or null. Any thread. */
    Throwable failure() {
        return failure;
    }

    /** The clock's time of this pass's I/O. Only called on the loop thread. */
    long now() {
        return now;
    }

    Selector selector() {
        return selector;
    }

    Clock clock() {
        return clock;
    }

    String threadName() {
        return thread.getName();
    }
}
