package io.chatnio.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

/**
 * 1:1 forwarding: {@code pairs} senders each send {@code IP:PORT:<payload>} to their own receiver;
 * score = messages delivered per second, summed over all pairs. See {@link SeedBenchmark} for the shared
 * configuration and {@link LoadDriver#forwarding} for the load.
 *
 * <p>Run:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ForwardingBenchmark
 * java -jar benchmarks/target/benchmarks.jar ForwardingBenchmark -p impl=netty,blocking -p pairs=100 -p payload=64
 * java -jar benchmarks/target/benchmarks.jar ForwardingBenchmark -p impl=blocking,virtual -jvm /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 * java -jar benchmarks/target/benchmarks.jar ForwardingBenchmark -p impl=chatnio-tls,netty-tls -p pairs=100,1000
 * </pre>
 * ({@code virtual} needs JDK 21+, hence {@code -jvm}; the {@code -tls} servers, TLS 1.3 with one cipher suite
 * on the JDK's engine, are left out of the defaults; see {@link SeedBenchmark}.)
 *
 * <p>Threading: JMH's benchmark thread only (see {@link SeedBenchmark}).
 */
public class ForwardingBenchmark extends SeedBenchmark {

    /** Sender/receiver pairs; the server holds twice as many connections. */
    @Param({"1", "100", "1000"})
    public int pairs;

    /** MESSAGE bytes per line. */
    @Param({"64", "1024"})
    public int payload;

    @Override
    protected LoadDriver startDriver(InetSocketAddress server, SSLContext tls) throws IOException {
        return LoadDriver.forwarding(server, pairs, payload, window, SETUP_TIMEOUT_NANOS, tls);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long deliver() {
        return awaitBatch();
    }
}
