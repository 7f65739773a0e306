package io.chatnio.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The IRC end-to-end benchmarks ({@link IrcPairsBenchmark}, {@link IrcChannelBenchmark}): the shared
 * {@link LoadBenchmark} configuration, with an IRC server ({@link IrcTarget}: chat-nio's example IRC server,
 * or the distribution's ngIRCd as a process with its flood protection relaxed, see {@link Ngircd}) and an
 * {@link IrcDriver} started once per trial on 127.0.0.1. Both servers get the same load from the same driver.
 *
 * <p>Build and run both (ngircd needs {@code apt-get install ngircd}; without it its trials fail at setup with
 * "ngircd is not installed" and the chat-nio ones still run):
 * <pre>
 * mvn -B package -pl benchmarks -am -DskipTests
 * java -jar benchmarks/target/benchmarks.jar 'io.chatnio.bench.Irc.*Benchmark'
 * </pre>
 * Each class's javadoc gives its own command.
 *
 * <p>Threading: JMH calls the setup, teardown and benchmark methods on its one benchmark thread; the server
 * (chat-nio's loop thread, or ngircd's process) and the driver run on their own threads.
 */
public abstract class IrcBenchmark extends LoadBenchmark {

    /**
     * Connecting, registering and joining every client takes at most this. Longer than the seed scenarios'
     * minute: ngircd accepts ever more slowly past a few hundred connections, and a channel of 1000 took
     * close to a minute to set up on it, now and then more.
     */
    static final long IRC_SETUP_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(3);

    /** The IRC server, by {@link IrcTarget#start} name. */
    @Param({"chatnio-irc", "ngircd"})
    public String impl;

    /** Messages in flight per sender (1:1) or for the channel. */
    @Param({"32"})
    public int window;

    /** Message bytes per PRIVMSG (the text after {@code " :"}). */
    @Param({"64"})
    public int payload;

    /** The trial's server; set by the trial setup, closed by its teardown. */
    private IrcTarget server;
    /** The trial's load on {@link #server}; set by the trial setup once load flows, closed by its teardown. */
    private IrcDriver driver;

    /** Connects the scenario's driver to {@code server}; returns once load is flowing. */
    protected abstract IrcDriver startDriver(IrcTarget server) throws IOException;

    @Setup(Level.Trial)
    public void startServerAndDriver() throws IOException {
        System.out.println("irc server " + impl + ", driver on Java " + System.getProperty("java.version") + ", "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        server = IrcTarget.start(impl);
        try {
            driver = startDriver(server);
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
            if (driver != null) {
                driver.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }
}
