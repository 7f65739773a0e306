package io.chatnio.bench;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** The server implementations the tests run against. Test threads only. */
final class TestServers {

    private TestServers() {
    }

    /**
     * Every implementation that can run on this OS: all of {@link SeedServer#NAMES} but {@code netty-epoll} off
     * Linux. {@code virtual} is listed on every JDK; {@link #startOnLoopback} skips it (an assumption, so the
     * report shows it skipped) on a JDK without virtual threads.
     */
    static List<String> implementations() {
        List<String> names = new ArrayList<>(List.of("chatnio", "netty", "netty-batched", "blocking", "blocking-naive",
                "virtual"));
        if (Epoll.isAvailable()) {
            names.add("netty-epoll");
        }
        return names;
    }

    static SeedServer startOnLoopback(String impl) {
        return start(impl, new InetSocketAddress("127.0.0.1", 0));
    }

    /** {@link SeedServer#start}, after assuming that this JDK can run {@code impl}. */
    static SeedServer start(String impl, InetSocketAddress bind) {
        assumeTrue(!impl.equals("virtual") || VirtualThreads.available(),
                () -> "virtual threads need JDK 21+, this is " + System.getProperty("java.version"));
        return SeedServer.start(impl, bind);
    }
}
