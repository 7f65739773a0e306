package io.chatnio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The built-in routing strategies over real loopback sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RoutingTest {
    private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);
    /** Wraps a body as "<sender port>> body". */
    private static final Routers.Envelope FROM_PORT = (sender, body, out) ->
            out.putDecimal(sender.remoteAddress().getPort()).put((byte) '>').put((byte) ' ').put(body);

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Reactor start(ReactorBuilder builder) {
        Reactor r = builder.threadName("routing-loop").start();
        toClose.add(r);
        return r;
    }

    private TestClient connect(InetSocketAddress address) throws IOException {
        TestClient c = new TestClient(address);
        toClose.add(c);
        return c;
    }

    /** Runs {@code query} on the loop and returns its result. */
    private static <T> T onLoop(Reactor reactor, Function<ConnectionRegistry, T> query) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        reactor.execute(() -> f.complete(query.apply(reactor.registry())));
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void directByAddress() throws Exception {
        Reactor reactor = start(Reactor.builder()
                .router(Routers.direct(Routers.byAddress(), FROM_PORT, "offline", "ERR ")));
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient a = connect(address);
        TestClient b = connect(address);
        int bPort = b.localAddress().getPort();
        int aPort = a.localAddress().getPort();
        a.writeLine("127.0.0.1:" + bPort + ":hi: there, colons kept");
        assertThat(b.readLine()).isEqualTo(aPort + "> hi: there, colons kept");
        a.writeLine("127.0.0.1:1:nobody");
        assertThat(a.readLine()).isEqualTo("offline");
        a.writeLine("127.0.0.1:99999:x");
        assertThat(a.readLine()).isEqualTo("ERR bad port");
        a.writeLine("no-port");
        assertThat(a.readLine()).isEqualTo("ERR expected IP:PORT:MESSAGE");
        a.writeLine("");
        assertThat(a.readLine()).isEqualTo("ERR empty message");
        a.writeLine("256.0.0.1:" + bPort + ":x");
        assertThat(a.readLine()).isEqualTo("ERR bad address");
        // still connected after every error
        a.writeLine("127.0.0.1:" + bPort + ":again");
        assertThat(b.readLine()).isEqualTo(aPort + "> again");
    }

    @Test
    void directByNameWithACustomStrategy() throws Exception {
        // A custom strategy in a few lines: "/nick NAME" names the sender, anything else is "NAME:MESSAGE".
        Router direct = Routers.direct(Routers.byName(':'), Routers.Envelope.bare(), "offline", "ERR ");
        Router nicknames = (sender, message, registry) -> {
            String text = StandardCharsets.UTF_8.decode(message.duplicate()).toString();
            if (text.startsWith("/nick ")) {
                sender.send(registry.setName(sender, text.substring(6)) ? "ok" : "taken");
            } else {
                direct.route(sender, message, registry);
            }
        };
        Reactor reactor = start(Reactor.builder().router(nicknames));
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient alice = connect(address);
        TestClient bob = connect(address);
        alice.writeLine("/nick alice");
        assertThat(alice.readLine()).isEqualTo("ok");
        bob.writeLine("/nick alice");
        assertThat(bob.readLine()).isEqualTo("taken");
        bob.writeLine("/nick bob");
        assertThat(bob.readLine()).isEqualTo("ok");
        alice.writeLine("bob:hello bob");
        assertThat(bob.readLine()).isEqualTo("hello bob");
        bob.writeLine("carol:anyone?");
        assertThat(bob.readLine()).isEqualTo("offline");

        alice.close();
        awaitConnections(reactor, 1); // the registry forgets alice, and with her, her name
        Connection gone = onLoop(reactor, r -> r.byName("alice"));
        assertThat(gone).isNull();
        bob.writeLine("alice:are you there");
        assertThat(bob.readLine()).isEqualTo("offline");
    }

    @Test
    void broadcastReachesEveryoneButTheSender() throws Exception {
        Reactor reactor = start(Reactor.builder().router(Routers.broadcast(FROM_PORT)));
        InetSocketAddress address = reactor.bind(ANY_PORT);
        List<TestClient> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clients.add(connect(address));
        }
        awaitConnections(reactor, 5);
        TestClient sender = clients.get(0);
        sender.writeLine("to all");
        sender.writeLine("/echo marker"); // broadcast too: the sender must not receive either line
        for (TestClient c : clients.subList(1, clients.size())) {
            assertThat(c.readLine()).isEqualTo(sender.localAddress().getPort() + "> to all");
            assertThat(c.readLine()).isEqualTo(sender.localAddress().getPort() + "> /echo marker");
        }
        clients.get(1).writeLine("reply");
        assertThat(sender.readLine()).isEqualTo(clients.get(1).localAddress().getPort() + "> reply");
    }

    private static void awaitConnections(Reactor reactor, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (onLoop(reactor, ConnectionRegistry::size) != n) {
            assertThat(System.nanoTime()).as("connections registered in time").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void roomsJoinLeaveAndForgetDisconnectedMembers() throws Exception {
        Reactor reactor = start(Reactor.builder().router(Routers.rooms(FROM_PORT, "ERR ")));
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient a = connect(address);
        TestClient b = connect(address);
        TestClient c = connect(address);
        for (TestClient t : List.of(a, b, c)) {
            t.writeLine("/join lobby");
        }
        c.writeLine("/join other");
        awaitMembers(reactor, "lobby", 3);
        a.writeLine("#lobby:hello lobby");
        assertThat(b.readLine()).isEqualTo(a.localAddress().getPort() + "> hello lobby");
        assertThat(c.readLine()).isEqualTo(a.localAddress().getPort() + "> hello lobby");

        b.writeLine("/leave lobby");
        awaitMembers(reactor, "lobby", 2);
        a.writeLine("#lobby:second");
        assertThat(c.readLine()).isEqualTo(a.localAddress().getPort() + "> second");

        c.close(); // abrupt: the registry must forget c in every room
        awaitMembers(reactor, "lobby", 1);
        int others = onLoop(reactor, r -> r.members("other").size());
        assertThat(others).isZero();
        a.writeLine("nonsense");
        assertThat(a.readLine()).isEqualTo("ERR expected /join ROOM, /leave ROOM or #ROOM:MESSAGE");
        b.writeLine("/join lobby");
        awaitMembers(reactor, "lobby", 2);
        a.writeLine("#lobby:third");
        assertThat(b.readLine()).isEqualTo(a.localAddress().getPort() + "> third");
    }

    private static void awaitMembers(Reactor reactor, String room, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (onLoop(reactor, r -> r.members(room).size()) != n) {
            assertThat(System.nanoTime()).as("room size %d in time", n).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void fanOutIsEncodedOnceForAllRecipients() throws Exception {
        AtomicInteger headersWritten = new AtomicInteger();
        FrameCodec lengthPrefixed = FrameCodec.lengthPrefixed(1 << 16);
        FrameCodec counting = new FrameCodec() {
            @Override
            public FrameDecoder newDecoder() {
                return lengthPrefixed.newDecoder();
            }

            @Override
            public int maxFrameLength() {
                return lengthPrefixed.maxFrameLength();
            }

            @Override
            public int headerLength() {
                return 4;
            }

            @Override
            public void writeHeader(ByteBuffer dst, int index, int payloadLength) {
                headersWritten.incrementAndGet();
                lengthPrefixed.writeHeader(dst, index, payloadLength);
            }

            @Override
            public byte[] trailer() {
                return lengthPrefixed.trailer();
            }
        };
        Reactor reactor = start(Reactor.builder().codec(counting).router(Routers.broadcast(Routers.Envelope.bare())));
        InetSocketAddress address = reactor.bind(ANY_PORT);
        int headersBefore = headersWritten.get(); // the reactor pre-encodes its refusal line at start
        List<TestClient> clients = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            clients.add(connect(address));
        }
        awaitConnections(reactor, 50);
        byte[] body = "one encoding for fifty recipients".getBytes(StandardCharsets.UTF_8);
        clients.get(0).write(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array());
        for (TestClient c : clients.subList(1, clients.size())) {
            assertThat(ByteBuffer.wrap(c.readBytes(4)).getInt()).isEqualTo(body.length);
            assertThat(c.readBytes(body.length)).isEqualTo(body);
        }
        assertThat(headersWritten.get() - headersBefore).isEqualTo(1);
        assertThat(reactor.stats().messagesOut()).isEqualTo(49);
    }
}
