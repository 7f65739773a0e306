package io.chatnio.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

/**
 * Fan-out: one sender sends {@code #ROOM:<payload>} to a room of {@code members}; every member receives
 * every message. Score = deliveries per second (one message to N members counts N). See
 * {@link SeedBenchmark} for the shared configuration and {@link LoadDriver#fanout} for the load.
 *
 * <p>Run:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar FanoutBenchmark
 * java -jar benchmarks/target/benchmarks.jar FanoutBenchmark -p impl=netty -p members=1000
 * java -jar benchmarks/target/benchmarks.jar FanoutBenchmark -p impl=blocking,virtual -jvm /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 * java -jar benchmarks/target/benchmarks.jar FanoutBenchmark -p impl=chatnio-tls,netty-tls
 * </pre>
 * ({@code virtual} needs JDK 21+, hence {@code -jvm}; the {@code -tls} servers, TLS 1.3 with one cipher suite
 * on the JDK's engine, are left out of the defaults; see {@link SeedBenchmark}.)
 *
 * <p>Threading: JMH's benchmark thread only (see {@link SeedBenchmark}).
 */
public class FanoutBenchmark extends SeedBenchmark {

    /** Room members, each a connection. */
    @Param({"100", "1000"})
    public int members;

    /** MESSAGE bytes per line. */
    @Param({"64"})
    public int payload;

    @Override
    protected LoadDriver startDriver(InetSocketAddress server, SSLContext tls) throws IOException {
        return LoadDriver.fanout(server, members, payload, window, SETUP_TIMEOUT_NANOS, tls);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long deliver() {
        return awaitBatch();
    }
}
