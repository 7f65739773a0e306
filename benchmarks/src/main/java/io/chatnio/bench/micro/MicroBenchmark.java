package io.chatnio.bench.micro;

import io.chatnio.Reactor;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The configuration every hot-path microbenchmark shares: average time in <b>nanoseconds per operation</b>,
 * where each benchmark's {@code @OperationsPerInvocation} makes one operation one frame, one lookup or one
 * message; one fork with the same JVM options as {@link io.chatnio.bench.SeedBenchmark} (fixed 1 GiB heap,
 * Netty leak detection off, the {@code --add-opens} Netty uses for cleaner-free direct buffers); five 2 s
 * warm-up and five 2 s measurement iterations; one benchmark thread, a Netty {@code FastThreadLocalThread}
 * (see {@link FastThreadLocalExecutor}: Netty recycles its frame slices only on such threads, as on its event
 * loop). Lower is better.
 *
 * <p>Build and run (all of them, about 8 minutes):
 * <pre>
 * mvn -B package -pl benchmarks -am -DskipTests
 * java -jar benchmarks/target/benchmarks.jar 'io.chatnio.bench.micro.*'
 * </pre>
 * Each class's javadoc gives its own command.
 *
 * <p>Threading: JMH calls setup, teardown and benchmark methods on its one benchmark thread. Work that must run
 * on a reactor's loop thread (the registry, in {@link RoutingLookupBenchmark}) is handed over with
 * {@link #onLoop}, which waits for it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {
        "-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=2g",
        "-Dio.netty.leakDetection.level=disabled",
        "-Dio.netty.tryReflectionSetAccessible=true",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "-Djmh.executor=CUSTOM",
        "-Djmh.executor.class=io.chatnio.bench.micro.FastThreadLocalExecutor"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public abstract class MicroBenchmark {

    /** Setup steps and measured batches that take longer than this have failed. */
    static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /**
     * Runs {@code task} on {@code reactor}'s loop thread and waits for its result. Any thread but the loop's.
     *
     * @throws IllegalStateException if the task fails or takes longer than {@link #TIMEOUT_NANOS}
     */
    static <T> T onLoop(Reactor reactor, Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        reactor.execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("task on the loop failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("task on the loop took longer than " + TIMEOUT_NANOS / 1_000_000 + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
