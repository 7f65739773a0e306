package io.chatnio.bench;

import java.io.IOException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

/**
 * IRC channel: one sender sends {@code PRIVMSG #bench :<payload>} to a channel of {@code members}; every
 * member receives every message. Score = deliveries per second (one message to M members counts M), as in
 * {@link FanoutBenchmark}. See {@link IrcBenchmark} for the servers and {@link IrcDriver#channel} for the load.
 *
 * <p>Run:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar IrcChannelBenchmark
 * java -jar benchmarks/target/benchmarks.jar IrcChannelBenchmark -p impl=ngircd -p members=1000
 * java -jar benchmarks/target/benchmarks.jar IrcChannelBenchmark -p members=1000 -p window=32,128
 * </pre>
 * The window (messages in flight until every member has each) decides how many messages the server can put
 * in one write to a member; docs/benchmarks.md reports the channel of 1000 at 32 and at 128.
 *
 * <p>Threading: JMH's benchmark thread only (see {@link LoadBenchmark}).
 */
public class IrcChannelBenchmark extends IrcBenchmark {

    /** Channel members, each a connection (the sender is one more). */
    @Param({"100", "1000"})
    public int members;

    @Override
    protected IrcDriver startDriver(IrcTarget server) throws IOException {
        return IrcDriver.channel(server, members, payload, window, IRC_SETUP_TIMEOUT_NANOS);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long deliver() {
        return awaitBatch();
    }
}
