package io.chatnio.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The seed protocol's end-to-end benchmarks ({@link ForwardingBenchmark}, {@link FanoutBenchmark}): the
 * shared {@link LoadBenchmark} configuration, with a {@link SeedServer} and a {@link LoadDriver} started once
 * per trial on 127.0.0.1.
 *
 * <p>Build and run (all of them; takes long, narrow it down with {@code -p}):
 * <pre>
 * mvn -B package -pl benchmarks -am -DskipTests
 * java -jar benchmarks/target/benchmarks.jar 'io.chatnio.bench.*Benchmark'
 * </pre>
 * Narrow it with {@code -p impl=chatnio,netty,...}. Each class's javadoc gives its own command. The
 * {@code virtual} server needs JDK 21+ (the module targets 17), so it runs in a fork on another JVM:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ForwardingBenchmark -p impl=virtual -jvm /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 * </pre>
 * The TLS servers ({@code chatnio-tls}, {@code netty-tls}: TLS 1.3, {@link BenchTls#CIPHER_SUITE}, the JDK's
 * {@code SSLEngine} on both) run through the same harness; the driver then speaks TLS on every connection
 * ({@link TlsLoadChannel}). They double a run's length, so they are not in the default {@code impl} list:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'ForwardingBenchmark|FanoutBenchmark' -p impl=chatnio-tls,netty-tls
 * </pre>
 * JMH records the JVM of every trial: {@code jvm}, {@code jdkVersion}, {@code vmName} and {@code vmVersion} in
 * its JSON result, "# VM invoker" and "# JDK version" in its log; the setup prints it once more.
 *
 * <p>Threading: JMH calls the setup, teardown and benchmark methods on its one benchmark thread; the
 * server and the driver run on their own threads (a Netty server and the driver take one core each on
 * the 2-core reference machine; the benchmark thread is parked).
 */
public abstract class SeedBenchmark extends LoadBenchmark {

    /**
     * The server implementation, by {@link SeedServer#start} name. {@code virtual} is left out of the default
     * list because it needs JDK 21+: {@code -p impl=virtual -jvm <JDK 21+>/bin/java}; the {@code -tls} servers
     * because they would double the run: {@code -p impl=chatnio-tls,netty-tls}.
     */
    @Param({"chatnio", "netty", "netty-batched", "netty-epoll", "blocking", "blocking-naive"})
    public String impl;

    /** Messages in flight per sender (forwarding) or per room (fan-out). */
    @Param({"32"})
    public int window;

    private SeedServer server;
    private LoadDriver driver;

    /**
     * Connects the scenario's driver to {@code server}; returns once load is flowing.
     *
     * @param tls the client context for a TLS server ({@link BenchTls#clientContextFor}), null for a plain one
     */
    protected abstract LoadDriver startDriver(InetSocketAddress server, SSLContext tls) throws IOException;

    @Setup(Level.Trial)
    public void startServerAndDriver() throws IOException {
        // In the trial's log, next to JMH's own "# JDK version" header and the JSON's jdkVersion/vmVersion.
        System.out.println("seed server " + impl + " on Java " + System.getProperty("java.version") + ", "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        server = SeedServer.start(impl, new InetSocketAddress("127.0.0.1", 0));
        try {
            driver = startDriver(server.address(), BenchTls.clientContextFor(impl));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    @Override
    protected DeliveryCounter deliveries() {
        return driver;
    }

    @Override
    protected String implName() {
        return impl;
    }

    @TearDown(Level.Trial)
    public void stopDriverAndServer() {
        try {
            driver.close();
        } finally {
            server.close();
        }
    }
}
