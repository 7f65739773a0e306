package io.chatnio.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The configuration every end-to-end benchmark shares (the seed protocol's {@link SeedBenchmark}, the IRC
 * scenario's {@link IrcBenchmark}): throughput in messages delivered per second, one fork (fixed 1 GiB
 * heap; Netty leak detection off; the {@code --add-opens} that give Netty cleaner-free direct buffers and its
 * array-backed selected-key set, as a Netty deployment would run), five 2 s warm-up and five 2 s measurement
 * iterations, one benchmark thread. A server and a load driver start once per trial on 127.0.0.1; the driver
 * keeps the server loaded with its window of messages in flight all the time, and each benchmark invocation
 * waits for the next {@link #BATCH} deliveries, so the score is the delivery rate the server sustains.
 *
 * <p>Threading: JMH calls the setup, teardown and benchmark methods on its one benchmark thread; the
 * server and the driver run on their own threads (the benchmark thread is parked).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
        "-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=2g",
        "-Dio.netty.leakDetection.level=disabled",
        "-Dio.netty.tryReflectionSetAccessible=true",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public abstract class LoadBenchmark {

    /** Messages each invocation waits for; the {@link OperationsPerInvocation} of every benchmark. */
    static final int BATCH = 10_000;

    /** A batch not delivered within this is a stall: the benchmark fails instead of hanging. */
    private static final long BATCH_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Connecting, registering and confirming every client of a scenario takes at most this. */
    static final long SETUP_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Benchmark thread: the delivery count the running invocation waits for. */
    private long target;

    /** The trial's running load; set by the subclass's trial setup, before any iteration. */
    protected abstract DeliveryCounter deliveries();

    /** The server implementation under test, as its {@code impl} parameter names it (for messages). */
    protected abstract String implName();

    /** Deliveries between iterations (while JMH is not timing) are not counted. */
    @Setup(Level.Iteration)
    public void startCountingFromNow() {
        target = deliveries().delivered();
    }

    /** Waits until {@link #BATCH} more messages than the previous invocation's target are delivered. */
    protected final long awaitBatch() {
        target += BATCH;
        DeliveryCounter load = deliveries();
        if (!load.awaitDelivered(target, BATCH_TIMEOUT_NANOS)) {
            throw new IllegalStateException(load + " on " + implName() + " stalled at " + load.delivered()
                    + " delivered, waiting for " + target);
        }
        return target;
    }
}
