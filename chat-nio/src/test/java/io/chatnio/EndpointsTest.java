package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.WAIT;
import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.awaitRegistrySize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seams for endpoints: listeners with their own codec ({@link Reactor#bind(java.net.SocketAddress,
 * ConnectionOptions)}), routing between framings, fan-out to mixed framings, and outbound connections
 * ({@link Reactor#connect}) that behave like accepted ones. Real sockets on loopback.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EndpointsTest {
    private final FlowTestSupport support = new FlowTestSupport();
    private final LoopFailures failures = new LoopFailures();

    @AfterEach
    void tearDown() throws Exception {
        support.close();
        failures.rethrow();
    }

    /** A client of a length-prefixed listener: 4-byte big-endian length, then the payload. */
    private static final class FramedClient implements AutoCloseable {
        final Socket socket = new Socket();
        final DataInputStream in;
        final DataOutputStream out;

        FramedClient(InetSocketAddress address) throws IOException {
            socket.connect(address, 5000);
            socket.setSoTimeout((int) WAIT.toMillis());
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
        }

        void send(String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
            out.flush();
        }

        String receive() throws IOException {
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void oneReactorServesTwoFramingsAndBroadcastsAcrossThem() throws Exception {
        Reactor reactor = support.start(Reactor.builder().codec(FrameCodec.lines(1024))
                .router(Routers.broadcast(Routers.Envelope.bare())), "endpoints-loop");
        InetSocketAddress lines = reactor.bind(ANY_PORT);
        InetSocketAddress framed = reactor.bind(ANY_PORT,
                ConnectionOptions.defaults().withCodec(FrameCodec.lengthPrefixed(1024)));
        assertThat(reactor.boundAddresses()).containsExactly(lines, framed);

        TestClient l1 = support.connect(lines);
        TestClient l2 = support.connect(lines);
        FramedClient f1 = support.closeLater(new FramedClient(framed));
        FramedClient f2 = support.closeLater(new FramedClient(framed));
        awaitRegistrySize(reactor, 4);

        // One fan-out from a line client reaches line clients as lines and framed clients as frames.
        l1.writeLine("from lines: ünïcode");
        assertThat(l2.readLine()).isEqualTo("from lines: ünïcode");
        assertThat(f1.receive()).isEqualTo("from lines: ünïcode");
        assertThat(f2.receive()).isEqualTo("from lines: ünïcode");

        // And back: a framed payload may even hold what would end a line elsewhere only once encoded as a line.
        for (int i = 0; i < 200; i++) { // many fan-outs: encodings continue in their arenas across chunks
            f1.send("framed " + i + " " + "x".repeat(i * 4));
        }
        for (int i = 0; i < 200; i++) {
            String expected = "framed " + i + " " + "x".repeat(i * 4);
            assertThat(l1.readLine()).isEqualTo(expected);
            assertThat(l2.readLine()).isEqualTo(expected);
            assertThat(f2.receive()).isEqualTo(expected);
        }
        assertThat(reactor.stats().protocolErrors()).isZero();
    }

    @Test
    void outboundConnectionBehavesLikeAnAcceptedOne() throws Exception {
        BlockingQueue<String> serverGot = new LinkedBlockingQueue<>();
        Reactor server = support.start(Reactor.builder().handler((c, payload) -> {
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            serverGot.add(new String(b, StandardCharsets.UTF_8));
            c.message().put("echo ".getBytes(StandardCharsets.US_ASCII)).put(b).send();
        }), "endpoints-server");
        InetSocketAddress address = server.bind(ANY_PORT);

        BlockingQueue<String> clientGot = new LinkedBlockingQueue<>();
        List<String> events = new ArrayList<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Reactor client = support.start(Reactor.builder().handler(new Handler() {
            @Override
            public void onOpen(Connection connection) {
                events.add("open " + connection.remoteAddress().getPort());
            }

            @Override
            public void onMessage(Connection connection, ByteBuffer payload) {
                failures.check(() -> assertThat(client(connection).inEventLoop()).isTrue());
                clientGot.add(StandardCharsets.UTF_8.decode(payload).toString());
            }

            @Override
            public void onClose(Connection connection, Throwable cause) {
                events.add("close");
                closed.complete(null);
            }
        }), "endpoints-client");

        Connection c = client.connect(address).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(c.remoteAddress()).isEqualTo(address);
        assertThat(c.isOpen()).isTrue();
        c.send("hello"); // any thread
        assertThat(serverGot.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("hello");
        assertThat(clientGot.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("echo hello");
        assertThat(client.stats().connectionsOpen()).isEqualTo(1);
        assertThat(client.stats().messagesIn()).isEqualTo(1);
        Connection found = FlowTestSupport.onLoop(client, r -> r.byId(c.id()));
        assertThat(found).isSameAs(c);

        // The server closes it: the outbound side sees the end and closes like an accepted connection.
        server.execute(() -> server.registry().all().get(0).close());
        closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(events).containsExactly("open " + address.getPort(), "close");
        await("client registry empties", () -> client.stats().connectionsOpen() == 0);
    }

    private static Reactor client(Connection c) {
        return c.reactor();
    }

    @Test
    void connectFailuresCompleteTheFutureExceptionally() throws Exception {
        Reactor reactor = support.start(Reactor.builder().handler((c, p) -> { }), "endpoints-fail");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        assertThatThrownBy(() -> reactor.connect(new InetSocketAddress("127.0.0.1", closedPort))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> reactor.connect(InetSocketAddress.createUnresolved("chat.invalid", 1))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UnresolvedAddressException.class);
        assertThat(reactor.stats().connectionsOpen()).isZero();

        reactor.close(Duration.ofSeconds(1));
        assertThatThrownBy(() -> reactor.connect(new InetSocketAddress("127.0.0.1", closedPort))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void outboundConnectionsCountAgainstTheConnectionLimit() throws Exception {
        Reactor server = support.start(Reactor.builder().handler((c, p) -> { }), "endpoints-target");
        InetSocketAddress address = server.bind(ANY_PORT);
        Reactor reactor = support.start(Reactor.builder().handler((c, p) -> { }).maxConnections(1), "endpoints-cap");
        Connection first = reactor.connect(address).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThatThrownBy(() -> reactor.connect(address).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("TOO_MANY_CONNECTIONS");
        assertThat(first.isOpen()).isTrue();
        assertThat(reactor.stats().connectionsRejected()).isEqualTo(1);
    }

    @Test
    void shutdownOutputHalfClosesAfterTheQueueIsWritten() throws Exception {
        Reactor reactor = support.start(Reactor.builder().handler((c, p) -> { }), "endpoints-half");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient client = support.connect(address);
        awaitRegistrySize(reactor, 1);
        reactor.execute(() -> {
            Connection c = reactor.registry().all().get(0);
            for (int i = 0; i < 100; i++) {
                c.send("line " + i);
            }
            c.shutdownOutput();
            c.send("after the half-close: discarded");
        });
        for (int i = 0; i < 100; i++) {
            assertThat(client.readLine()).isEqualTo("line " + i);
        }
        assertThat(client.readLine()).as("end of stream after the queued lines").isNull();
        // Reading goes on: the connection is still open until the peer closes too.
        assertThat(FlowTestSupport.registrySize(reactor)).isEqualTo(1);
        client.close();
        awaitRegistrySize(reactor, 0);
    }
}
