package io.chatnio;

/**
 * The reactor's source of time for timers and timeouts. Inject a manual clock in tests to drive
 * timer-driven behaviour without sleeping (advance it, then wake the loop with
 * {@link Reactor#execute(Runnable)}). Must be thread-safe and monotonic.
 */
@FunctionalInterface
public interface Clock {

    /** Monotonic time in nanoseconds, comparable only with other values of the same clock. */
    long nanoTime();

    /** {@link System#nanoTime()}. */
    static Clock system() {
        return System::nanoTime;
    }
}
