package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.awaitRegistrySize;
import static io.chatnio.FlowTestSupport.tick;
import static io.chatnio.FlowTestSupport.twoPasses;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connection caps and the per-connection rate limit, over real loopback sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest {
    private static final String REFUSED = "ERR too many connections";
    /** Echoes every frame back to its sender; tells a refused connection why, as the application chooses. */
    private static final Handler ECHO = new Handler() {
        @Override
        public void onMessage(Connection c, ByteBuffer payload) {
            c.message().put(payload).send();
        }

        @Override
        public void onRefused(Connection c, Refusal reason) {
            c.send(reason == Refusal.RATE_LIMITED ? "ERR rate limit exceeded" : REFUSED);
        }
    };

    private final FlowTestSupport support = new FlowTestSupport();

    @AfterEach
    void tearDown() throws Exception {
        support.close();
    }

    private static void assertEchoes(TestClient client, String text) throws IOException {
        client.writeLine(text);
        assertThat(client.readLine()).isEqualTo(text);
    }

    /** A refused connection reads the refusal line, then the end of the stream. */
    private static void assertRefused(TestClient client) throws IOException {
        assertThat(client.readLine()).isEqualTo(REFUSED);
        assertThat(client.readLine()).isNull();
    }

    @Test
    void maxConnectionsRefusesTheExcessAndAcceptsAgainOnceOthersLeave() throws Exception {
        Reactor reactor = support.start(Reactor.builder().handler(ECHO).maxConnections(3).jmx(true), "limits-jmx");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient a = support.connect(address);
        TestClient b = support.connect(address);
        TestClient c = support.connect(address);
        awaitRegistrySize(reactor, 3);

        assertRefused(support.connect(address));
        ReactorStats stats = reactor.stats();
        assertThat(stats.connectionsRejected()).isEqualTo(1);
        assertThat(stats.connectionsOpen()).isEqualTo(3);
        for (TestClient t : List.of(a, b, c)) {
            assertEchoes(t, "still served");
        }

        // A burst of excess connections: each one is refused, none disturbs the others.
        List<TestClient> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            burst.add(support.connect(address));
        }
        for (TestClient t : burst) {
            assertRefused(t);
        }
        assertThat(reactor.stats().connectionsRejected()).isEqualTo(21);

        // One leaves: accepting goes on, up to the cap again.
        a.close();
        awaitRegistrySize(reactor, 2);
        TestClient d = support.connect(address);
        assertEchoes(d, "admitted after a left");
        assertRefused(support.connect(address));
        stats = reactor.stats();
        assertThat(stats.connectionsRejected()).isEqualTo(22);
        assertThat(stats.connectionsOpen()).isEqualTo(3);
        assertThat(stats.connectionsTotal()).isEqualTo(3 + 1 + 20 + 1 + 1);
        for (TestClient t : List.of(b, c, d)) {
            assertEchoes(t, "all good");
        }

        // The same counters over JMX.
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = server.queryNames(new ObjectName("io.chatnio:type=Reactor,*"), null).stream()
                .filter(n -> n.getKeyProperty("name").contains("limits-jmx"))
                .findFirst().orElseThrow();
        assertThat(server.getAttribute(name, "ConnectionsRejected")).isEqualTo(22L);
        assertThat(server.getAttribute(name, "ConnectionsOpen")).isEqualTo(3L);
    }

    /** A minimal line client bound to a chosen local address (TestClient always binds the default one). */
    private static final class BoundClient implements AutoCloseable {
        final Socket socket = new Socket();
        final BufferedReader in;

        BoundClient(InetAddress local, InetSocketAddress server) throws IOException {
            socket.bind(new InetSocketAddress(local, 0));
            socket.connect(server, 5_000);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        void writeLine(String line) throws IOException {
            socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void maxConnectionsPerIpCountsEachAddressSeparately() throws Exception {
        InetAddress other = InetAddress.getByName("127.0.0.2");
        try (Socket probe = new Socket()) {
            probe.bind(new InetSocketAddress(other, 0));
        } catch (IOException e) {
            Assumptions.abort("cannot bind a client to 127.0.0.2 on this host: " + e);
        }
        Reactor reactor = support.start(Reactor.builder().handler(ECHO).maxConnectionsPerIp(2), "limits-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient a1 = support.connect(address);
        TestClient a2 = support.connect(address);
        awaitRegistrySize(reactor, 2);
        assertRefused(support.connect(address)); // a third from 127.0.0.1

        // 127.0.0.2 has its own count
        BoundClient b1 = support.closeLater(new BoundClient(other, address));
        BoundClient b2 = support.closeLater(new BoundClient(other, address));
        awaitRegistrySize(reactor, 4);
        for (BoundClient b : List.of(b1, b2)) {
            b.writeLine("from 127.0.0.2");
            assertThat(b.in.readLine()).isEqualTo("from 127.0.0.2");
        }
        BoundClient b3 = support.closeLater(new BoundClient(other, address));
        assertThat(b3.in.readLine()).isEqualTo(REFUSED);
        assertThat(b3.in.readLine()).isNull();
        assertThat(reactor.stats().connectionsRejected()).isEqualTo(2);

        // a close frees a slot of that address only
        a1.close();
        awaitRegistrySize(reactor, 3);
        TestClient a3 = support.connect(address);
        assertEchoes(a3, "admitted after a1 left");
        assertRefused(support.connect(address));
        assertEchoes(a2, "a2 untouched");
        assertThat(reactor.stats().connectionsRejected()).isEqualTo(3);
        assertThat(reactor.stats().connectionsOpen()).isEqualTo(4);
    }

    @Test
    void rateLimitSlowDownDelaysButDeliversEverythingInOrder() throws Exception {
        ManualClock clock = new ManualClock();
        Reactor reactor = support.start(Reactor.builder().handler(ECHO).clock(clock)
                .rateLimit(new RateLimit(10, 5, RateLimit.Action.SLOW_DOWN)), "limits-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient client = support.connect(address);
        TestClient other = support.connect(address);
        awaitRegistrySize(reactor, 2);

        int total = 30;
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < total; i++) {
            all.append("m").append(i).append('\n');
        }
        client.write(all.toString().getBytes(StandardCharsets.US_ASCII)); // one write: the server reads all 30 at once
        for (int i = 0; i < 5; i++) { // the burst
            assertThat(client.readLine()).isEqualTo("m" + i);
        }
        // While the clock stands still nothing more is delivered, however many passes the loop makes.
        twoPasses(reactor);
        twoPasses(reactor);
        assertThat(reactor.stats().messagesIn()).isEqualTo(5);
        assertEchoes(other, "another connection has its own bucket");

        // 100 ms at 10/s is one token: exactly one more message.
        tick(reactor, clock, 100);
        assertThat(client.readLine()).isEqualTo("m5");
        twoPasses(reactor);
        assertThat(reactor.stats().messagesIn()).isEqualTo(5 + 1 + 1);

        // Each further second refills the bucket (capped at the burst): the rest follows, in order.
        int next = 6;
        for (int round = 0; round < total && next < total; round++) {
            long before = reactor.stats().messagesIn();
            tick(reactor, clock, 1_000);
            await("a refill delivers more", () -> reactor.stats().messagesIn() > before);
            long delivered = reactor.stats().messagesIn() - before;
            assertThat(delivered).isBetween(1L, 5L); // never more than the burst at once
            for (long k = 0; k < delivered; k++) {
                assertThat(client.readLine()).isEqualTo("m" + next++);
            }
        }
        assertThat(next).isEqualTo(total);
        assertThat(reactor.stats().protocolErrors()).isZero();
        assertEchoes(client, "still open");
    }

    @Test
    void rateLimitDisconnectSendsAnErrorAndCloses() throws Exception {
        ManualClock clock = new ManualClock();
        Reactor reactor = support.start(Reactor.builder().handler(ECHO).clock(clock)
                .rateLimit(new RateLimit(1, 3, RateLimit.Action.DISCONNECT)), "limits-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient flooder = support.connect(address);
        TestClient polite = support.connect(address);
        awaitRegistrySize(reactor, 2);

        flooder.write("1\n2\n3\n4\n5\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(flooder.readLine()).isEqualTo("1");
        assertThat(flooder.readLine()).isEqualTo("2");
        assertThat(flooder.readLine()).isEqualTo("3");
        assertThat(flooder.readLine()).isEqualTo("ERR rate limit exceeded");
        assertThat(flooder.readLine()).isNull();
        awaitRegistrySize(reactor, 1);
        assertThat(reactor.stats().protocolErrors()).isEqualTo(1);
        assertThat(reactor.stats().messagesIn()).isEqualTo(3);

        // Within the rate nobody is closed: the burst, then one per second.
        for (int i = 0; i < 3; i++) {
            assertEchoes(polite, "burst " + i);
        }
        for (int i = 0; i < 3; i++) {
            tick(reactor, clock, 1_000);
            assertEchoes(polite, "second " + i);
        }
        assertThat(reactor.stats().protocolErrors()).isEqualTo(1);
        assertThat(reactor.stats().connectionsOpen()).isEqualTo(1);
    }
}
