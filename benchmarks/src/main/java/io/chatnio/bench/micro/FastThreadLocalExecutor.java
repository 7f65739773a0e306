package io.chatnio.bench.micro;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * JMH's benchmark threads as Netty {@link FastThreadLocalThread}s, selected in {@link MicroBenchmark}'s fork
 * options with {@code -Djmh.executor=CUSTOM -Djmh.executor.class=} this class.
 *
 * <p>Why: Netty 4.2's {@code Recycler} pools objects only on threads whose thread-locals are cleaned up, which
 * in practice means Netty's own event-loop threads. On a plain thread every {@code retainedSlice} that a
 * frame decoder returns is a new object (measured: 72 B per frame with {@code -prof gc}); on a
 * {@link FastThreadLocalThread}, as on a real event loop, it is recycled (0 B). Running the benchmark thread
 * as one gives Netty the conditions it has in production; it changes nothing for chat-nio.
 *
 * <p>Threading: a fixed pool of {@code maxThreads}, as JMH's default executor.
 */
public final class FastThreadLocalExecutor extends ThreadPoolExecutor {

    /** The constructor JMH's {@code CUSTOM} executor type calls. */
    public FastThreadLocalExecutor(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), new Factory(prefix));
    }

    private static final class Factory implements java.util.concurrent.ThreadFactory {
        private final String prefix;
        private final AtomicInteger next = new AtomicInteger();

        Factory(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new FastThreadLocalThread(r, prefix + "-" + next.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
