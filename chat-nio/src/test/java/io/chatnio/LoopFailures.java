package io.chatnio;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Collects assertion failures that happen on the loop thread (where a thrown AssertionError would only close a
 * connection) so that the test thread can rethrow them.
 */
final class LoopFailures {
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

    /** Runs {@code check} and records anything it throws. */
    void check(Runnable check) {
        try {
            check.run();
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    void record(Throwable t) {
        failures.add(t);
    }

    /** Rethrows the first recorded failure, with the others suppressed. */
    void rethrow() {
        Throwable first = failures.poll();
        if (first == null) {
            return;
        }
        AssertionError e = new AssertionError("failure on the loop thread", first);
        for (Throwable t : failures) {
            e.addSuppressed(t);
        }
        throw e;
    }
}
