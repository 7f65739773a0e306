package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.directByAddress;
import static io.chatnio.FlowTestSupport.registrySize;
import static io.chatnio.FlowTestSupport.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of concurrent connections on one loop: each sends one message routed to another, all are
 * delivered, then all reset at once and the registry drains. {@code -Dchatnio.manyConnections=N} (default 3000,
 * at most 10000); skipped if the process may not open two descriptors per connection (client and server side).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ManyConnectionsTest {
    private final FlowTestSupport support = new FlowTestSupport();
    private SocketChannel[] clients = new SocketChannel[0];
    private Selector selector;

    @AfterEach
    void tearDown() throws Exception {
        for (SocketChannel c : clients) {
            if (c != null) {
                c.close();
            }
        }
        if (selector != null) {
            selector.close();
        }
        support.close();
    }

    @Test
    void thousandsOfConnectionsRouteDrainAndTheLoopStillServes() throws Exception {
        int n = FlowTestSupport.intProperty("chatnio.manyConnections", 3000, 2, 10_000);
        long free = freeFileDescriptors();
        Assumptions.assumeTrue(free >= 2L * n + 256,
                "needs " + (2L * n + 256) + " free file descriptors, has " + free + " (raise ulimit -n)");

        Reactor reactor = support.start(Reactor.builder().router(directByAddress()), "many-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        selector = Selector.open();
        clients = new SocketChannel[n];
        int[] ports = new int[n];

        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            SocketChannel c = SocketChannel.open(address); // blocking connect, one at a time
            c.configureBlocking(false);
            c.register(selector, SelectionKey.OP_READ, i);
            clients[i] = c;
            ports[i] = ((InetSocketAddress) c.getLocalAddress()).getPort();
        }
        await("all " + n + " registered", Duration.ofSeconds(30), () -> registrySize(reactor) == n);
        long connected = System.nanoTime();

        // Each sends one line to the next one (a ring): exactly one line arrives at each.
        for (int i = 0; i < n; i++) {
            ByteBuffer line = ByteBuffer.wrap(("127.0.0.1:" + ports[(i + 1) % n] + ":from " + i + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
            clients[i].write(line);
            assertThat(line.hasRemaining()).as("a short write on a fresh socket").isFalse();
        }
        String[] received = new String[n];
        ByteArrayOutputStream[] partial = new ByteArrayOutputStream[n];
        ByteBuffer buf = ByteBuffer.allocate(4096);
        int complete = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (complete < n) {
            if (System.nanoTime() - deadline > 0) {
                fail("only " + complete + " of " + n + " lines arrived within 30 s");
            }
            selector.select(100);
            for (SelectionKey key : selector.selectedKeys()) {
                int i = (Integer) key.attachment();
                buf.clear();
                int r = ((SocketChannel) key.channel()).read(buf);
                assertThat(r).as("client %d: the server closed it", i).isNotNegative();
                if (partial[i] == null) {
                    partial[i] = new ByteArrayOutputStream();
                }
                partial[i].write(buf.array(), 0, buf.position());
                String text = partial[i].toString(StandardCharsets.US_ASCII);
                if (text.endsWith("\n")) {
                    assertThat(received[i]).as("client %d got a second line", i).isNull();
                    received[i] = text.substring(0, text.length() - 1);
                    complete++;
                }
            }
            selector.selectedKeys().clear();
        }
        long delivered = System.nanoTime();
        for (int i = 0; i < n; i++) {
            assertThat(received[i]).isEqualTo("from " + ((i - 1 + n) % n));
        }
        ReactorStats stats = reactor.stats();
        assertThat(stats.messagesIn()).isEqualTo(n);
        assertThat(stats.messagesOut()).isEqualTo(n);
        assertThat(stats.connectionsOpen()).isEqualTo(n);

        // All reset at once.
        selector.close();
        selector = null;
        for (int i = 0; i < n; i++) {
            clients[i].setOption(StandardSocketOptions.SO_LINGER, 0);
            clients[i].close();
            clients[i] = null;
        }
        await("the registry drains", Duration.ofSeconds(30), () -> registrySize(reactor) == 0);
        long drained = System.nanoTime();
        stats = reactor.stats();
        System.out.printf("[many] %d connections: connected and registered in %d ms, ring of %d messages delivered"
                        + " in %d ms, drained after reset in %d ms; longest loop pass %.1f ms, %d loop passes%n",
                n, (connected - t0) / 1_000_000, n, (delivered - connected) / 1_000_000,
                (drained - delivered) / 1_000_000, stats.longestPassNanos() / 1e6, stats.loopPasses());
        assertThat(stats.connectionsOpen()).isZero();
        assertThat(stats.connectionsTotal()).isEqualTo(n);
        assertThat(stats.pendingOutboundBytes()).isZero();
        assertThat(stats.bufferedInboundBytes()).isZero();

        // The loop still serves newcomers.
        TestClient a = support.connect(address);
        TestClient b = support.connect(address);
        FlowTestSupport.awaitRegistrySize(reactor, 2);
        a.writeLine(to(b) + "after the storm");
        assertThat(b.readLine()).isEqualTo("after the storm");
    }

    /**
     * Descriptors this process may still open, from com.sun.management.UnixOperatingSystemMXBean's attributes
     * (read through the platform MBean server: the test module does not read jdk.management), or -1 if unknown.
     */
    private static long freeFileDescriptors() {
        try {
            javax.management.MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            javax.management.ObjectName os = new javax.management.ObjectName(ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME);
            long max = (Long) server.getAttribute(os, "MaxFileDescriptorCount");
            long open = (Long) server.getAttribute(os, "OpenFileDescriptorCount");
            return max - open;
        } catch (Exception e) {
            return -1; // not a Unix JVM
        }
    }
}
