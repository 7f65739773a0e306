package io.chatnio;

/** A scheduled task that can still be called off. Thread-safe. */
public interface Cancellable {

    /**
     * Prevents the task from running if it has not started yet.
     *
     * @return {@code true} if this call cancelled it; {@code false} if it already ran, is running, or was
     *         already cancelled
     */
    boolean cancel();
}
