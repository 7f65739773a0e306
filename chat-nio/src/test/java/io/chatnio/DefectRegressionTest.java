package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.onLoop;
import static io.chatnio.FlowTestSupport.registered;
import static io.chatnio.FlowTestSupport.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertAll;

import io.chatnio.FlowTestSupport.Closed;
import io.chatnio.FlowTestSupport.LineCollector;
import io.chatnio.FlowTestSupport.RoutingHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One regression test per known defect, over real loopback sockets and the public API only. Each failed on
 * the code it was written against; see the comment on each test for the symptom it guards against.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DefectRegressionTest {
    private final FlowTestSupport support = new FlowTestSupport();
    private final LoopFailures failures = new LoopFailures();

    @AfterEach
    void tearDown() throws Exception {
        support.close();
        failures.rethrow();
    }

    /** The server's connection from {@code client}, looked up on the loop once it is registered. */
    private static Connection serverSide(Reactor reactor, TestClient client) throws Exception {
        await("server registers " + client.localAddress(), () -> registered(reactor, client));
        InetSocketAddress a = client.localAddress();
        return onLoop(reactor, r -> r.byAddress(a));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 1. Interleaved fan-outs and direct messages to a fast and a stalled recipient

    /**
     * A handler interleaving fan-outs (DROP_NEWEST) to a reader X and a stalled peer Y with direct messages
     * (PAUSE_SENDER) to both used to throw {@code IndexOutOfBoundsException: Range [36, 36 + 2) out of bounds
     * for length 36} after a few iterations, closing the sender. Nothing may escape the handler, the sender
     * stays open, and X receives every message addressed to it, in the order sent.
     */
    @Test
    void interleavedFanoutAndDirectMessagesNeverThrowAndReachTheReaderInOrder() throws Exception {
        int rounds = 200;
        byte[] filler = new byte[197];
        Arrays.fill(filler, (byte) 'd');
        AtomicReference<InetSocketAddress> xAddress = new AtomicReference<>();
        AtomicReference<InetSocketAddress> yAddress = new AtomicReference<>();
        CountDownLatch handled = new CountDownLatch(1);
        Handler handler = (sender, payload) -> {
            try {
                ConnectionRegistry registry = sender.reactor().registry();
                Connection x = registry.byAddress(xAddress.get());
                Connection y = registry.byAddress(yAddress.get());
                for (int i = 0; i < rounds; i++) {
                    MessageWriter fan = sender.reactor().fanout().put((byte) ('a' + i % 26));
                    fan.sendTo(x);
                    fan.sendTo(y);
                    y.message().put((byte) 'y').send();
                    x.message().put(String.format("%03d", i).getBytes(StandardCharsets.US_ASCII)).put(filler).send();
                }
            } catch (Throwable t) {
                failures.record(t);
                throw t;
            } finally {
                handled.countDown();
            }
        };
        Reactor reactor = support.start(Reactor.builder()
                .handler(handler)
                .codec(FrameCodec.lines(64 * 1024))
                .writeBufferWatermarks(512, 1024)
                .slowConsumerPolicy(SlowConsumerPolicy.PAUSE_SENDER, SlowConsumerPolicy.DROP_NEWEST), "defect-fanout");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient x = support.connect(address, 256 * 1024); // room for everything it is sent (~41 KB)
        TestClient y = support.connect(address, 1024); // never read
        TestClient s = support.connect(address);
        serverSide(reactor, x);
        serverSide(reactor, y);
        serverSide(reactor, s);
        xAddress.set(x.localAddress());
        yAddress.set(y.localAddress());
        LineCollector xLines = support.closeLater(new LineCollector(x, "defect-x-reader"));

        s.writeLine("go");
        assertThat(handled.await(15, TimeUnit.SECONDS)).as("handler ran").isTrue();
        failures.rethrow(); // an exception inside the handler (the IndexOutOfBoundsException)
        FlowTestSupport.twoPasses(reactor);
        assertThat(registered(reactor, s)).as("sender still open").isTrue();

        String body = new String(filler, StandardCharsets.US_ASCII);
        for (int i = 0; i < rounds; i++) {
            assertThat(xLines.next()).as("fan-out %d to X", i).isEqualTo(String.valueOf((char) ('a' + i % 26)));
            assertThat(xLines.next()).as("direct message %d to X", i).isEqualTo(String.format("%03d", i) + body);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // 2. Closing another connection while a message is half-built

    /**
     * Aborting another connection inside {@code onMessage} used to discard the message the callback had begun
     * (its onClose ended every message in progress), so {@code send()} threw "no message in progress" and the
     * sender was disconnected.
     */
    @Test
    void abortingAnotherConnectionKeepsTheCallersMessageInProgress() throws Exception {
        RoutingHandler closes = new RoutingHandler((c, m, r) -> { });
        Handler handler = new Handler() {
            @Override
            public void onMessage(Connection sender, ByteBuffer payload) {
                try {
                    int port = Integer.parseInt(StandardCharsets.US_ASCII.decode(payload).toString());
                    Connection other = sender.reactor().registry().byAddress(new InetSocketAddress("127.0.0.1", port));
                    MessageWriter m = sender.message().put("reply after abort".getBytes(StandardCharsets.US_ASCII));
                    other.abort();
                    m.send();
                } catch (RuntimeException e) {
                    failures.record(e);
                    throw e;
                }
            }

            @Override
            public void onClose(Connection connection, Throwable cause) {
                closes.onClose(connection, cause);
            }
        };
        Reactor reactor = support.start(Reactor.builder().handler(handler), "defect-abort");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient other = support.connect(address);
        TestClient s = support.connect(address);
        serverSide(reactor, other);
        serverSide(reactor, s);

        s.writeLine(String.valueOf(other.localAddress().getPort()));
        String reply = s.readLine();
        failures.rethrow(); // the IllegalStateException thrown by send()
        assertThat(reply).isEqualTo("reply after abort");
        assertThat(other.awaitClosed()).as("other closed").isTrue();
        assertThat(closes.awaitClosed(other.localAddress())).isNotNull();
        assertThat(registered(reactor, s)).as("sender still open").isTrue();
    }

    // ---------------------------------------------------------------------------------------------------------
    // 3. Non-ASCII names and separators

    /**
     * {@code Routers.byName} decoded the name as ISO-8859-1 and truncated the separator to one byte, so a
     * non-ASCII name never resolved (the sender got the offline notice) and a non-ASCII separator never even
     * matched. Each sender is named "me" and sends itself a marker after the message: the first line it gets
     * back is the marker if the message was delivered, the offline notice if not.
     */
    @Test
    void byNameResolvesUtf8NamesAndSeparators() throws Exception {
        assertThat(deliverByName(':', "José", "José:hi")).isEqualTo("hi");

        Routers.Addressing arrow;
        try {
            arrow = Routers.byName('→');
        } catch (IllegalArgumentException rejected) {
            return; // refusing a separator it cannot match is acceptable too
        }
        assertThat(arrow).isNotNull();
        assertThat(deliverByName('→', "bob", "bob→hi")).isEqualTo("hi");
    }

    /** Sends {@code line} from a client named "me" to one named {@code name}; returns what that one received. */
    private String deliverByName(char separator, String name, String line) throws Exception {
        Router router = Routers.direct(Routers.byName(separator), Routers.Envelope.bare(), "OFFLINE", "ERR ");
        Reactor reactor = support.start(Reactor.builder().router(router), "defect-names-" + (int) separator);
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient recipient = support.connect(address);
        TestClient sender = support.connect(address);
        Connection r = serverSide(reactor, recipient);
        Connection s = serverSide(reactor, sender);
        boolean named = onLoop(reactor, reg -> reg.setName(r, name) && reg.setName(s, "me"));
        Connection byName = onLoop(reactor, reg -> reg.byName(name));
        assertThat(named).isTrue();
        assertThat(byName).isSameAs(r);

        sender.writeLine(line);
        sender.writeLine("me" + separator + "marker");
        assertThat(sender.readLine()).as("first reply to the sender of %s", line).isEqualTo("marker");
        return recipient.readLine();
    }

    // ---------------------------------------------------------------------------------------------------------
    // 4. The close timeout discarding output

    /**
     * A graceful close whose output did not drain within the close timeout discarded that output but reported
     * an orderly close ({@code null} cause) to onClose.
     */
    @Test
    void closeTimeoutThatDiscardsOutputReportsACause() throws Exception {
        RoutingHandler handler = new RoutingHandler(FlowTestSupport.directByAddress());
        Reactor reactor = support.start(Reactor.builder()
                .handler(handler)
                .closeTimeout(Duration.ofMillis(200)), "defect-close-timeout");
        TestClient stalled = support.connect(reactor.bind(ANY_PORT), 4096); // never read
        Connection c = serverSide(reactor, stalled);

        long queued = onLoop(reactor, r -> {
            queueMegabytes(c, 8);
            long pending = c.pendingOutboundBytes();
            c.close();
            return pending;
        });
        assertThat(queued).isGreaterThan(1 << 20);

        Closed closed = handler.awaitClosed(stalled.localAddress());
        assertThat(closed.cause())
                .as("onClose cause after the close timeout discarded queued output")
                .isNotNull()
                .isInstanceOf(IOException.class);
    }

    /** Queues {@code mb} MiB of lines on {@code c}, far more than loopback socket buffers hold. Loop thread only. */
    private static void queueMegabytes(Connection c, int mb) {
        byte[] line = new byte[64 * 1024];
        Arrays.fill(line, (byte) 'q');
        for (int i = 0; i < mb * 16; i++) {
            c.send(line);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // 5. A draining connection left in the registry

    /**
     * A connection closed gracefully stayed in the registry while it drained, so a direct message to it was
     * routed there and silently dropped (its writer discards output to a closing connection) instead of the
     * sender getting the offline notice.
     */
    @Test
    void drainingConnectionLeavesTheRegistryAndSendersGetOffline() throws Exception {
        Reactor reactor = support.start(Reactor.builder()
                .router(Routers.direct(Routers.byAddress(), Routers.Envelope.bare(), "OFFLINE", "ERR "))
                .closeTimeout(Duration.ofSeconds(10)), "defect-draining");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient r = support.connect(address, 4096); // never read
        TestClient sender = support.connect(address);
        Connection rc = serverSide(reactor, r);
        serverSide(reactor, sender);

        InetSocketAddress rAddress = r.localAddress();
        List<Object> afterClose = onLoop(reactor, reg -> {
            queueMegabytes(rc, 4);
            List<Object> facts = new ArrayList<>();
            facts.add(rc.pendingOutboundBytes());
            rc.close();
            facts.add(reg.byAddress(rAddress));
            return facts;
        });
        assertThat((Long) afterClose.get(0)).as("output queued when closing").isPositive();

        sender.writeLine(to(r) + "hello");
        sender.writeLine(to(sender) + "marker"); // delivered right after the answer to "hello", if any
        String firstReply = sender.readLine();

        assertAll(
                () -> assertThat(afterClose.get(1)).as("registry().byAddress(R) right after R.close()").isNull(),
                () -> assertThat(firstReply).as("reply to a message for the draining R").isEqualTo("OFFLINE"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 6. A codec whose newDecoder() throws

    /**
     * A codec that cannot make a decoder used to cost its connection silently (a DEBUG line, no counter).
     * Now it is counted as a protocol error (and logged at WARN), and the loop goes on accepting.
     */
    @Test
    void aThrowingNewDecoderIsCountedAndOtherConnectionsAreServed() throws Exception {
        FrameCodec lines = FrameCodec.lines(1024);
        FrameCodec broken = new FrameCodec() {
            @Override
            public FrameDecoder newDecoder() {
                throw new IllegalStateException("no decoder today (expected by the test)");
            }

            @Override
            public int maxFrameLength() {
                return lines.maxFrameLength();
            }

            @Override
            public int headerLength() {
                return 0;
            }

            @Override
            public void writeHeader(ByteBuffer dst, int index, int payloadLength) {
                throw new UnsupportedOperationException();
            }

            @Override
            public byte[] trailer() {
                return lines.trailer();
            }
        };
        Reactor reactor = support.start(Reactor.builder().codec(lines)
                .handler((c, p) -> c.message().put(p).send()), "defect-decoder");
        InetSocketAddress good = reactor.bind(ANY_PORT);
        InetSocketAddress bad = reactor.bind(ANY_PORT, ConnectionOptions.defaults().withCodec(broken));
        TestClient refused = support.connect(bad);
        assertThat(refused.awaitClosed()).as("the connection without a decoder is closed").isTrue();
        await("counted as a protocol error", () -> reactor.stats().protocolErrors() == 1);
        TestClient served = support.connect(good);
        served.writeLine("still serving");
        assertThat(served.readLine()).isEqualTo("still serving");
        assertThat(reactor.stats().connectionsOpen()).isEqualTo(1);
    }
}
