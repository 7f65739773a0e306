package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.awaitRegistrySize;
import static io.chatnio.FlowTestSupport.directByAddress;
import static io.chatnio.FlowTestSupport.pendingTo;
import static io.chatnio.FlowTestSupport.registered;
import static io.chatnio.FlowTestSupport.to;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.FlowTestSupport.RoutingHandler;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A peer that shuts down its output (half-close), and one that vanishes with a reset. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HalfCloseTest {
    private final FlowTestSupport support = new FlowTestSupport();

    @AfterEach
    void tearDown() throws Exception {
        support.close();
    }

    /** {@code count} lines {@code prefix + i + ' ' + padding}, each {@code size} bytes with the newline. */
    private static byte[] lines(String prefix, int from, int count, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(count * size);
        for (int i = from; i < from + count; i++) {
            out.writeBytes(line(prefix, i, size).getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    private static String line(String prefix, int i, int size) {
        StringBuilder sb = new StringBuilder(size).append(prefix).append(i).append(' ');
        while (sb.length() < size - 1) {
            sb.append('.');
        }
        return sb.append('\n').toString();
    }

    /** What the recipient reads of {@link #line}: without the addressing and the newline. */
    private static String body(String prefix, int i, int size) {
        String l = line(prefix, i, size);
        return l.substring(prefix.length(), l.length() - 1);
    }

    @Test
    void halfCloseDeliversItsMessagesFlushesWhatItIsOwedThenCloses() throws Exception {
        RoutingHandler handler = new RoutingHandler(directByAddress());
        Reactor reactor = support.start(Reactor.builder().handler(handler)
                .writeBufferWatermarks(32 << 20, 64 << 20) // never pause B: everything it sends is read and queued
                .closeTimeout(Duration.ofSeconds(30)), "halfclose-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient a = support.connect(address, 4096); // reads nothing until it has half-closed
        TestClient b = support.connect(address);
        awaitRegistrySize(reactor, 2);

        // B sends A more than the socket buffers between them hold, so much of it waits in the server.
        int owed = 6_000;
        int size = 1024;
        b.write(lines(to(a), 0, owed, size));
        await("the server read all of B's lines", () -> reactor.stats().messagesIn() == owed);
        long queued = pendingTo(reactor, a.localAddress());
        System.out.printf("[half-close] %d KiB queued in the server for A when it shuts down its output%n",
                queued / 1024);
        assertThat(queued).isPositive();

        a.write(lines(to(b), 0, 3, 64));
        a.socket.shutdownOutput();
        for (int i = 0; i < 3; i++) {
            assertThat(b.readLine()).isEqualTo(body(to(b), i, 64)); // A's messages are delivered
        }
        // A is still being flushed, but once the server has read its end of input A is closing, and a
        // closing connection has left the registry: nobody finds it any more
        await("A, draining, leaves the registry", () -> !registered(reactor, a));
        for (int i = 0; i < owed; i++) {
            assertThat(a.readLine()).isEqualTo(body(to(a), i, size)); // what A is owed is flushed
        }
        assertThat(a.readLine()).as("then the server closes A").isNull();
        assertThat(handler.awaitClosed(a.localAddress()).cause()).isNull();
        assertThat(registered(reactor, a)).isFalse();
        b.writeLine(to(a) + "are you there?");
        assertThat(b.readLine()).isEqualTo("offline");
        ReactorStats stats = reactor.stats();
        assertThat(stats.pendingOutboundBytes()).isZero();
        assertThat(stats.protocolErrors()).isZero();
    }

    @Test
    void halfCloseInsideAFrameDropsOnlyTheIncompleteFrame() throws Exception {
        RoutingHandler handler = new RoutingHandler(directByAddress());
        Reactor reactor = support.start(Reactor.builder().handler(handler), "halfclose-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient a = support.connect(address);
        TestClient b = support.connect(address);
        awaitRegistrySize(reactor, 2);
        a.write((to(b) + "complete\n" + to(b) + "incomplete, no newline").getBytes(StandardCharsets.US_ASCII));
        a.socket.shutdownOutput();
        assertThat(b.readLine()).isEqualTo("complete");
        assertThat(a.readLine()).isNull();
        assertThat(handler.awaitClosed(a.localAddress()).cause()).isNull();
        b.writeLine(to(b) + "marker"); // to itself: nothing else came before it
        assertThat(b.readLine()).isEqualTo("marker");
        assertThat(reactor.stats().bufferedInboundBytes()).isZero();
    }

    @Test
    void halfCloseOfAPausedSenderDeliversEverythingAfterItResumes() throws Exception {
        RoutingHandler handler = new RoutingHandler(directByAddress());
        Reactor reactor = support.start(Reactor.builder().handler(handler)
                .writeBufferWatermarks(8 * 1024, 32 * 1024), "halfclose-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient slow = support.connect(address, 4096);
        TestClient a = support.connect(address);
        awaitRegistrySize(reactor, 2);

        // A sends far more than the slow recipient takes, then half-closes: it is paused (PAUSE_SENDER) with its
        // end of stream still unread.
        int count = 6_000;
        int size = 1024;
        byte[] all = lines(to(slow), 0, count, size);
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            try {
                a.write(all);
                a.socket.shutdownOutput();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        for (int i = 0; i < count; i++) {
            assertThat(slow.readLine()).isEqualTo(body(to(slow), i, size));
        }
        sending.get(10, TimeUnit.SECONDS);
        assertThat(a.readLine()).isNull(); // the server closes A once everything it sent is delivered
        assertThat(handler.awaitClosed(a.localAddress()).cause()).isNull();
        assertThat(reactor.stats().messagesIn()).isEqualTo(count);
        assertThat(registered(reactor, slow)).isTrue();
    }

    @Test
    void abruptResetIsCleanedUpAndSendersGetTheOfflineNotice() throws Exception {
        RoutingHandler handler = new RoutingHandler(directByAddress());
        Reactor reactor = support.start(Reactor.builder().handler(handler)
                .writeBufferWatermarks(32 << 20, 64 << 20), "halfclose-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient a = support.connect(address, 4096);
        TestClient b = support.connect(address);
        awaitRegistrySize(reactor, 2);
        b.writeLine(to(a) + "hello");
        assertThat(a.readLine()).isEqualTo("hello");

        // A stops reading while the server holds megabytes for it, then vanishes with a reset.
        int count = 6_000;
        b.write(lines(to(a), 0, count, 1024));
        await("the server read all of B's lines", () -> reactor.stats().messagesIn() == 1 + count);
        assertThat(reactor.stats().pendingOutboundBytes()).isPositive();
        InetSocketAddress aAddress = a.localAddress();
        FlowTestSupport.reset(a.socket);

        FlowTestSupport.Closed closed = handler.awaitClosed(aAddress);
        System.out.println("[reset] server saw: " + closed.cause());
        awaitRegistrySize(reactor, 1);
        ReactorStats stats = reactor.stats();
        assertThat(stats.pendingOutboundBytes()).isZero();
        assertThat(stats.bufferedInboundBytes()).isZero();
        b.writeLine(to(a) + "are you there?"); // a closed socket keeps its local address
        assertThat(b.readLine()).isEqualTo("offline");
        b.writeLine(to(b) + "still fine");
        assertThat(b.readLine()).isEqualTo("still fine");
    }
}
