package io.chatnio.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ThreadFactory;

/**
 * The JDK's virtual-thread factory, found at run time because this module compiles for Java 17: the
 * public {@code Thread.ofVirtual().factory()} of JDK 21 and later, looked up with
 * {@link MethodHandles#publicLookup()} (public API only, no access checks to suppress).
 *
 * <p>Threading: stateless; any thread.
 */
final class VirtualThreads {

    private VirtualThreads() {
    }

    /** Whether this JDK can start virtual threads. */
    static boolean available() {
        try {
            factory();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * A factory of unstarted virtual threads.
     *
     * @throws UnsupportedOperationException on a JDK without (final, non-preview) virtual threads
     */
    static ThreadFactory factory() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            MethodHandle newBuilder = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual));
            MethodHandle factory = lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
            return (ThreadFactory) factory.invoke(newBuilder.invoke());
        } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException
                 | UnsupportedOperationException e) { // the last: JDK 19 and 20 without --enable-preview
            throw unsupported(e);
        } catch (Throwable e) {
            throw new IllegalStateException("Thread.ofVirtual().factory() failed", e);
        }
    }

    private static UnsupportedOperationException unsupported(Throwable cause) {
        return new UnsupportedOperationException("virtual threads need JDK 21 or later; this JVM is Java "
                + System.getProperty("java.version") + " (" + System.getProperty("java.home")
                + "); run the benchmark on a newer JVM with JMH's -jvm option", cause);
    }
}
