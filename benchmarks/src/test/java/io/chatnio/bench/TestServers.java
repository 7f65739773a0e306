package io.chatnio.bench;

import io.netty.channel.epoll.Epoll;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** The server implementations the tests run against. */
final class TestServers {

    private TestServers() {
    }

    /**
     * Every implementation that exists and can run here. When {@link ChatNioSeedServer} is written, add
     * {@code "chatnio"} to this list.
     */
    static List<String> implementations() {
        List<String> names = new ArrayList<>(List.of("chatnio", "netty", "netty-batched", "blocking"));
        if (Epoll.isAvailable()) {
            names.add("netty-epoll");
        }
        return names;
    }

    static SeedServer startOnLoopback(String impl) {
        return SeedServer.start(impl, new InetSocketAddress("127.0.0.1", 0));
    }
}
