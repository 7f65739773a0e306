package io.chatnio.bench.micro;

import io.chatnio.Connection;
import io.chatnio.ConnectionRegistry;
import io.chatnio.Reactor;
import io.chatnio.Routers;
import io.netty.util.collection.LongObjectHashMap;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Seed addressing: parse {@code 127.0.0.1:PORT:body} and find the connection with that remote address among
 * {@code connections} open connections. Score = <b>ns per lookup</b>.
 *
 * <p>A reactor holds {@code connections} real loopback connections (their client ends are held by a child
 * JVM, see {@link LoopbackClients}). The registry is loop-thread only, so each invocation runs a batch of
 * {@link #LOOKUPS} lookups in one {@link Reactor#execute} task and waits for it: the hand-off (a task, a
 * wake-up, a future) is amortised over the batch. The lookups target connections picked at random (seeded), each
 * message prepared in one direct buffer beforehand, as the reactor's read buffer holds it; the router's
 * {@code message} argument is that buffer with position and limit around one message.
 *
 * <ul>
 *   <li>{@code chatnio}: {@link Routers#byAddress()}, which parses the IPv4 address and port in place and asks
 *       the registry's {@link ConnectionRegistry#byIpv4}, allocation-free.</li>
 *   <li>{@code hashmap}: what a straightforward server does: the same byte-level parse (a copy of
 *       {@code Routers}' code), then a fresh {@link InetSocketAddress} per message (its {@link InetAddress}
 *       from a new 4-byte array) looked up in a {@code HashMap<InetSocketAddress, Connection>} of the same
 *       connections, also run on the loop thread.</li>
 *   <li>{@code longmap}: what a careful server does without chat-nio's registry: the same parse, then the
 *       primitive key {@code ipv4 << 16 | port} looked up in Netty's {@link LongObjectHashMap} (as the Netty
 *       seed server does), allocation-free, on the loop thread.</li>
 * </ul>
 *
 * <p>Run (about 1.5 minutes; setting up 10,000 connections takes a few seconds):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RoutingLookupBenchmark
 * java -jar benchmarks/target/benchmarks.jar RoutingLookupBenchmark -p connections=10000 -prof gc
 * java -jar benchmarks/target/benchmarks.jar RoutingLookupBenchmark -p impl=chatnio,longmap
 * </pre>
 *
 * <p>Threading: setup, teardown and the benchmark method on JMH's thread; the lookups on the loop thread.
 */
public class RoutingLookupBenchmark extends MicroBenchmark {

    /** Lookups per invocation (one loop task). */
    static final int LOOKUPS = 10_000;

    private static final byte[] BODY = "hello, a body of a few bytes".getBytes(StandardCharsets.US_ASCII);

    /** {@code chatnio}, {@code hashmap} or {@code longmap}. */
    @Param({"chatnio", "hashmap", "longmap"})
    public String impl;

    /** Open connections in the registry. */
    @Param({"1000", "10000"})
    public int connections;

    private Reactor reactor;
    private LoopbackClients clients;
    private Routers.Addressing addressing;
    /** The sender passed to the addressing (byAddress ignores it). */
    private Connection sender;
    /** {@link #LOOKUPS} messages, message i in {@code [starts[i], ends[i])}. Loop thread only after setup. */
    private ByteBuffer messages;
    private int[] starts;
    private int[] ends;
    /** Lookups of the last batch that found no connection; 0 unless a connection went away. */
    volatile int misses;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        reactor = Reactor.builder()
                .handler((connection, payload) -> { })
                .threadName("chat-nio-micro")
                .daemon(true)
                .start();
        try {
            InetSocketAddress address = reactor.bind(new InetSocketAddress("127.0.0.1", 0));
            clients = LoopbackClients.open(address, connections);
            awaitRegistered(connections);
            List<InetSocketAddress> remotes = onLoop(reactor, () -> {
                List<InetSocketAddress> all = new ArrayList<>();
                for (Connection c : reactor.registry().all()) {
                    all.add(c.remoteAddress());
                }
                sender = reactor.registry().all().get(0);
                return all;
            });
            prepareMessages(remotes);
            addressing = switch (impl) {
                case "chatnio" -> Routers.byAddress();
                case "hashmap" -> onLoop(reactor,
                        () -> new ParseThenLookup(new HashMapRegistry(reactor.registry().all())));
                case "longmap" -> onLoop(reactor,
                        () -> new ParseThenLookup(new LongMapRegistry(reactor.registry().all())));
                default -> throw new IllegalArgumentException("impl: chatnio, hashmap or longmap, not " + impl);
            };
        } catch (IOException | RuntimeException e) {
            tearDown();
            throw e;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (reactor != null) {
                reactor.close();
            }
        } finally {
            if (clients != null) {
                clients.close();
            }
        }
    }

    /** Resolves {@link #LOOKUPS} messages on the loop thread; returns the sum of the recipients' ids. */
    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public long lookup() {
        return onLoop(reactor, this::lookups);
    }

    /** Loop thread only. */
    private long lookups() {
        ConnectionRegistry registry = reactor.registry();
        Routers.Addressing a = addressing;
        Connection from = sender;
        ByteBuffer m = messages;
        int[] s = starts;
        int[] e = ends;
        long sum = 0;
        int missed = 0;
        for (int i = 0; i < LOOKUPS; i++) {
            m.limit(e[i]).position(s[i]);
            Connection target = a.resolve(from, m, registry);
            if (target == null) {
                missed++;
            } else {
                sum += target.id();
            }
        }
        misses = missed;
        return sum;
    }

    private void prepareMessages(List<InetSocketAddress> remotes) {
        Random random = new Random(42);
        ByteBuffer buf = ByteBuffer.allocateDirect(LOOKUPS * (32 + BODY.length));
        starts = new int[LOOKUPS];
        ends = new int[LOOKUPS];
        for (int i = 0; i < LOOKUPS; i++) {
            InetSocketAddress to = remotes.get(random.nextInt(remotes.size()));
            starts[i] = buf.position();
            buf.put((to.getAddress().getHostAddress() + ":" + to.getPort() + ":").getBytes(StandardCharsets.US_ASCII));
            buf.put(BODY);
            ends[i] = buf.position();
        }
        messages = buf.clear();
    }

    private void awaitRegistered(int n) {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        int size;
        while ((size = onLoop(reactor, () -> reactor.registry().size())) < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + size + " of " + n + " connections registered");
            }
            try {
                TimeUnit.MILLISECONDS.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /**
     * A rival: the same parse ({@link Routers#byAddress()} itself), then {@link ConnectionRegistry#byIpv4} of a
     * registry of the rival's own ({@link HashMapRegistry} or {@link LongMapRegistry}). Loop thread only.
     */
    static final class ParseThenLookup implements Routers.Addressing {
        private final Routers.Addressing parse = Routers.byAddress();
        private final ConnectionRegistry registry;

        ParseThenLookup(ConnectionRegistry registry) {
            this.registry = registry;
        }

        @Override
        public Connection resolve(Connection sender, ByteBuffer m, ConnectionRegistry ignored) {
            return parse.resolve(sender, m, registry);
        }
    }

    /**
     * {@code hashmap}: answers {@link #byIpv4} with a new {@link InetSocketAddress} per lookup in a
     * {@code HashMap<InetSocketAddress, Connection>}, which is what a straightforward server does.
     */
    private static final class HashMapRegistry extends LookupOnlyRegistry {
        private final Map<InetSocketAddress, Connection> byAddress;

        HashMapRegistry(List<Connection> connections) {
            byAddress = new HashMap<>(connections.size() * 2);
            for (Connection c : connections) {
                byAddress.put(c.remoteAddress(), c);
            }
        }

        @Override
        public Connection byIpv4(int ip, int port) {
            try {
                InetAddress address = InetAddress.getByAddress(
                        new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip});
                return byAddress.get(new InetSocketAddress(address, port));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad address");
            }
        }

        @Override
        public Connection byAddress(InetSocketAddress address) {
            return byAddress.get(address);
        }

        @Override
        public int size() {
            return byAddress.size();
        }
    }

    /** {@code longmap}: answers {@link #byIpv4} from a {@link LongObjectHashMap} keyed {@code ipv4 << 16 | port}. */
    private static final class LongMapRegistry extends LookupOnlyRegistry {
        private final LongObjectHashMap<Connection> byKey;
        private final Map<InetSocketAddress, Connection> byAddress;

        LongMapRegistry(List<Connection> connections) {
            byKey = new LongObjectHashMap<>(connections.size() * 2);
            byAddress = new HashMap<>();
            for (Connection c : connections) {
                InetSocketAddress remote = c.remoteAddress();
                byte[] ip = remote.getAddress().getAddress();
                if (ip.length == 4) {
                    int ipv4 = (ip[0] & 0xFF) << 24 | (ip[1] & 0xFF) << 16 | (ip[2] & 0xFF) << 8 | (ip[3] & 0xFF);
                    byKey.put(key(ipv4, remote.getPort()), c);
                } else {
                    byAddress.put(remote, c);
                }
            }
        }

        private static long key(int ip, int port) {
            return (ip & 0xFFFF_FFFFL) << 16 | port;
        }

        @Override
        public Connection byIpv4(int ip, int port) {
            return byKey.get(key(ip, port));
        }

        @Override
        public Connection byAddress(InetSocketAddress address) {
            return byAddress.get(address);
        }

        @Override
        public int size() {
            return byKey.size() + byAddress.size();
        }
    }

    /** A registry that only looks connections up; everything else is unsupported (the benchmark uses none of it). */
    private abstract static class LookupOnlyRegistry implements ConnectionRegistry {

        @Override
        public List<Connection> all() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Connection byId(long id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Connection byName(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean setName(Connection connection, String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String nameOf(Connection connection) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean join(Connection connection, String group) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean leave(Connection connection, String group) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Connection> members(String group) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> groupsOf(Connection connection) {
            throw new UnsupportedOperationException();
        }
    }
}
