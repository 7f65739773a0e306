package io.chatnio.bench;

import java.io.IOException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

/**
 * IRC 1:1: {@code pairs} registered senders each send {@code PRIVMSG r<i> :<payload>} to their own receiver;
 * score = messages delivered per second, summed over all pairs. See {@link IrcBenchmark} for the servers and
 * {@link IrcDriver#forwarding} for the load.
 *
 * <p>Run:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar IrcPairsBenchmark
 * java -jar benchmarks/target/benchmarks.jar IrcPairsBenchmark -p impl=chatnio-irc -p pairs=100
 * </pre>
 *
 * <p>Threading: JMH's benchmark thread only (see {@link LoadBenchmark}).
 */
public class IrcPairsBenchmark extends IrcBenchmark {

    /**
     * Sender/receiver pairs; the server holds twice as many connections. Not 1000 by default: ngircd accepts
     * new connections ever more slowly past a few hundred (681 in 30 s in a smoke test), so its 2,000 do not
     * connect within the setup's minute; {@code -p impl=chatnio-irc -p pairs=1000} runs.
     */
    @Param({"1", "100"})
    public int pairs;

    @Override
    protected IrcDriver startDriver(IrcTarget server) throws IOException {
        return IrcDriver.forwarding(server, pairs, payload, window, IRC_SETUP_TIMEOUT_NANOS);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long deliver() {
        return awaitBatch();
    }
}
