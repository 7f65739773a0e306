package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.WAIT;
import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.awaitRegistrySize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS with real peers on loopback: JDK {@link SSLSocket} clients and {@link SSLServerSocket} servers, reactor to
 * reactor, and {@code openssl s_client} when it is installed. Certificates come from {@link TestCerts}. Every
 * wait is bounded; nothing sleeps to synchronize.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsTest {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private final FlowTestSupport support = new FlowTestSupport();
    private final LoopFailures failures = new LoopFailures();

    @AfterEach
    void tearDown() throws Exception {
        support.close();
        failures.rethrow();
    }

    static ConnectionOptions tlsServer() {
        return ConnectionOptions.defaults().withTls(TlsOptions.server(TestCerts.server()));
    }

    static ConnectionOptions tlsClient() {
        return ConnectionOptions.defaults().withTls(TlsOptions.client(TestCerts.clientTrustingCa()));
    }

    // ---------------------------------------------------------------------------------------------------------
    // (a) JDK client to a reactor listener

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void jdkClientLinesEchoAndTheSessionIsKnownInOnOpen(String protocol) throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-echo");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());

        JdkClient client = support.closeLater(JdkClient.connect(address, TestCerts.clientTrustingCa(), p -> {
            p.setProtocols(new String[] {protocol});
            p.setServerNames(List.of(new SNIHostName("localhost")));
        }));
        assertThat(client.socket.getSession().getProtocol()).isEqualTo(protocol);
        for (int i = 0; i < 50; i++) {
            client.writeLine("hello " + i + " ünïcode");
            assertThat(client.readLine()).isEqualTo("hello " + i + " ünïcode");
        }
        String big = "x".repeat(40_000); // one line over three records
        client.writeLine(big);
        assertThat(client.readLine()).isEqualTo(big);

        TlsSession session = echo.sessions.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(session).isNotNull();
        assertThat(session.protocol()).isEqualTo(protocol);
        assertThat(session.cipherSuite()).isEqualTo(client.socket.getSession().getCipherSuite());
        assertThat(session.serverName()).isEqualTo("localhost");
        assertThat(session.applicationProtocol()).isNull();
        Connection c = echo.opened.poll();
        assertThat(c.tls()).isEqualTo(session);
        ReactorStats stats = reactor.stats();
        assertThat(stats.tlsHandshakes()).isEqualTo(1);
        assertThat(stats.tlsFailures()).isZero();
        assertThat(stats.messagesIn()).isEqualTo(51);
    }

    @Test
    void noServerNameWithoutSni() throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-nosni");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        JdkClient client = support.closeLater(JdkClient.connect(address, TestCerts.clientTrustingCa(), p -> { }));
        client.writeLine("by IP, so no SNI");
        assertThat(client.readLine()).isEqualTo("by IP, so no SNI");
        TlsSession session = echo.sessions.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(session.serverName()).isNull();
        assertThat(session.protocol()).isEqualTo("TLSv1.3");
    }

    @Test
    void plainConnectionsHaveNoTlsSession() throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-plain");
        TestClient plain = support.connect(reactor.bind(ANY_PORT));
        plain.writeLine("plain");
        assertThat(plain.readLine()).isEqualTo("plain");
        assertThat(echo.opened.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).tls()).isNull();
        assertThat(reactor.stats().tlsHandshakes()).isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // (b) the reactor as a client

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void reactorClientToJdkServer(String protocol) throws Exception {
        JdkServer server = support.closeLater(new JdkServer(TestCerts.server(), "welcome"));
        Collect got = new Collect();
        Reactor reactor = support.start(Reactor.builder().handler(got), "tls-client");
        TlsOptions tls = TlsOptions.client(TestCerts.clientTrustingCa()).withProtocols(protocol)
                .withServerName("localhost");
        Connection c = reactor.connect(server.address(), ConnectionOptions.defaults().withTls(tls))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(c.tls().protocol()).isEqualTo(protocol);
        assertThat(c.tls().serverName()).isEqualTo("localhost");
        assertThat(got.opened).containsExactly(c);
        assertThat(got.next()).isEqualTo("welcome");
        for (int i = 0; i < 20; i++) {
            c.send("ping " + i);
            assertThat(got.next()).isEqualTo("echo ping " + i);
        }
        assertThat(server.sni.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("localhost");
        assertThat(server.protocol.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(protocol);

        c.close(); // close_notify: the JDK server reads the end of the stream, not an error
        assertThat(server.ended.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("EOF after 20 lines");
        assertThat(got.closeCause.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(Collect.ORDERLY);
        assertThat(reactor.stats().tlsHandshakes()).isEqualTo(1);
        assertThat(reactor.stats().tlsFailures()).isZero();
    }

    @Test
    void reactorToReactor() throws Exception {
        Echo echo = new Echo(failures);
        Reactor server = support.start(Reactor.builder().handler(echo), "tls-r2r-server");
        InetSocketAddress address = server.bind(ANY_PORT, tlsServer());
        Collect got = new Collect();
        Reactor client = support.start(Reactor.builder().handler(got), "tls-r2r-client");

        Connection byIp = client.connect(address, tlsClient()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Connection byName = client.connect(address, ConnectionOptions.defaults().withTls(
                TlsOptions.client(TestCerts.clientTrustingCa()).withServerName("localhost")))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(byIp.tls().protocol()).isEqualTo("TLSv1.3");
        assertThat(byIp.tls().serverName()).isNull(); // an IP literal is not sent as SNI
        assertThat(byName.tls().serverName()).isEqualTo("localhost");
        for (int i = 0; i < 100; i++) {
            byIp.send("line " + i);
        }
        for (int i = 0; i < 100; i++) {
            assertThat(got.next()).isEqualTo("line " + i);
        }
        byName.send("by name");
        assertThat(got.next()).isEqualTo("by name");
        List<String> serverNames = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            serverNames.add(String.valueOf(echo.sessions.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).serverName()));
        }
        assertThat(serverNames).containsExactlyInAnyOrder("null", "localhost");
        assertThat(server.stats().tlsHandshakes()).isEqualTo(2);
        assertThat(client.stats().tlsHandshakes()).isEqualTo(2);

        byIp.close();
        byName.close();
        for (int i = 0; i < 2; i++) {
            assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Echo.ORDERLY);
        }
        assertThat(server.stats().tlsFailures()).isZero();
        assertThat(client.stats().tlsFailures()).isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // (c) ALPN

    @Test
    void alpnPicksTheServersFirstChoiceThatTheClientOffers() throws Exception {
        Echo echo = new Echo(failures);
        Reactor server = support.start(Reactor.builder().handler(echo), "tls-alpn-server");
        InetSocketAddress address = server.bind(ANY_PORT, ConnectionOptions.defaults().withTls(
                TlsOptions.server(TestCerts.server()).withApplicationProtocols("chat/2", "chat/1")));
        Reactor client = support.start(Reactor.builder().handler(new Collect()), "tls-alpn-client");

        Connection c = client.connect(address, ConnectionOptions.defaults().withTls(
                TlsOptions.client(TestCerts.clientTrustingCa()).withApplicationProtocols("chat/1")))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(c.tls().applicationProtocol()).isEqualTo("chat/1");
        assertThat(echo.sessions.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).applicationProtocol())
                .isEqualTo("chat/1");

        // A JDK client offering both gets the server's preference; one offering none gets none.
        try (JdkClient both = JdkClient.connect(address, TestCerts.clientTrustingCa(),
                p -> p.setApplicationProtocols(new String[] {"chat/1", "chat/2"}))) {
            assertThat(both.socket.getApplicationProtocol()).isEqualTo("chat/2");
            assertThat(echo.sessions.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).applicationProtocol())
                    .isEqualTo("chat/2");
        }
        try (JdkClient none = JdkClient.connect(address, TestCerts.clientTrustingCa(), p -> { })) {
            none.writeLine("no alpn");
            assertThat(none.readLine()).isEqualTo("no alpn");
            assertThat(echo.sessions.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).applicationProtocol()).isNull();
        }
        assertThat(server.stats().tlsFailures()).isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // (d) fan-out to TLS and plain clients of one reactor

    @Test
    void fanOutReachesTlsAndPlainClientsInOrder() throws Exception {
        Reactor reactor = support.start(Reactor.builder().codec(FrameCodec.lines(32 * 1024))
                .router(Routers.broadcast(Routers.Envelope.bare()))
                .writeBufferWatermarks(32 << 20, 64 << 20), "tls-fanout"); // a slow reader thread is not dropped
        InetSocketAddress plain = reactor.bind(ANY_PORT);
        InetSocketAddress tlsLines = reactor.bind(ANY_PORT, tlsServer());
        InetSocketAddress tlsFramed = reactor.bind(ANY_PORT,
                tlsServer().withCodec(FrameCodec.lengthPrefixed(32 * 1024)));

        List<Reader> readers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            readers.add(support.connect(plain)::readLine);
            JdkClient lines = support.closeLater(JdkClient.connect(tlsLines, TestCerts.clientTrustingCa(), p -> { }));
            readers.add(lines::readLine);
            JdkClient framed = support.closeLater(JdkClient.connect(tlsFramed, TestCerts.clientTrustingCa(), p -> { }));
            DataInputStream in = new DataInputStream(framed.in);
            readers.add(() -> {
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                return new String(b, StandardCharsets.UTF_8);
            });
        }
        JdkClient sender = support.closeLater(JdkClient.connect(tlsLines, TestCerts.clientTrustingCa(), p -> { }));
        awaitRegistrySize(reactor, readers.size() + 1);

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) { // growing up to 20 KB: records and reads split messages everywhere
            String head = "m" + i + ":";
            expected.add(head + String.valueOf((char) ('a' + i % 26)).repeat(100 * (i + 1) - head.length()));
        }
        List<CompletableFuture<List<String>>> results = new ArrayList<>();
        for (Reader r : readers) {
            results.add(CompletableFuture.supplyAsync(() -> r.read(expected.size()), TlsTest::daemon));
        }
        for (String m : expected) {
            sender.writeLine(m);
        }
        for (int i = 0; i < results.size(); i++) {
            assertThat(results.get(i).get(WAIT.toSeconds() * 2, TimeUnit.SECONDS)).as("reader %d", i)
                    .isEqualTo(expected);
        }
        ReactorStats stats = reactor.stats();
        assertThat(stats.messagesDropped()).isZero();
        assertThat(stats.slowConsumerCloses()).isZero();
        assertThat(stats.tlsHandshakes()).isEqualTo(5);
        assertThat(stats.tlsFailures()).isZero();
    }

    @FunctionalInterface
    interface Reader {
        String next() throws IOException;

        /** Reads {@code n} messages; on a failure, what was read so far and the error, so the diff tells. */
        default List<String> read(int n) {
            List<String> got = new ArrayList<>();
            try {
                while (got.size() < n) {
                    String s = next();
                    if (s == null) {
                        got.add("<EOF>");
                        break;
                    }
                    got.add(s);
                }
            } catch (IOException e) {
                got.add("<" + e + ">");
            }
            return got;
        }
    }

    static void daemon(Runnable r) {
        Thread t = new Thread(r, "tls-test-reader");
        t.setDaemon(true);
        t.start();
    }

    // ---------------------------------------------------------------------------------------------------------
    // (e) large transfers with a slow reader

    @Test
    void fiveMegabytesEachWayWithASlowReader() throws Exception {
        int total = 5 << 20;
        CRC32 serverCrc = new CRC32();
        AtomicLong serverBytes = new AtomicLong();
        AtomicLong mostPending = new AtomicLong();
        AtomicReference<Connection> serverSide = new AtomicReference<>();
        Reactor reactor = support.start(Reactor.builder().codec(FrameCodec.raw(64 * 1024)).handler((c, payload) -> {
            serverSide.set(c);
            mostPending.accumulateAndGet(c.pendingOutboundBytes(), Math::max);
            serverCrc.update(payload.duplicate());
            serverBytes.addAndGet(payload.remaining());
            c.message().put(payload).send(); // echo: the client's slow reading backs this up
        }), "tls-bulk");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        JdkClient client = support.closeLater(JdkClient.connect(address, TestCerts.clientTrustingCa(), p -> { },
                s -> s.setReceiveBufferSize(16 * 1024)));

        byte[] data = new byte[total];
        new Random(42).nextBytes(data);
        CRC32 sentCrc = new CRC32();
        sentCrc.update(data);
        CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
            try {
                for (int off = 0; off < total; off += 8192) {
                    client.out.write(data, off, Math.min(8192, total - off));
                }
                client.out.flush();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, TlsTest::daemon);

        CRC32 gotCrc = new CRC32();
        byte[] buf = new byte[1024];
        long got = 0;
        long nextPause = 0;
        while (got < total) {
            int n = client.in.read(buf, 0, (int) Math.min(buf.length, total - got)); // small bursts
            assertThat(n).as("read after %d bytes", got).isPositive();
            gotCrc.update(buf, 0, n);
            got += n;
            if (got >= nextPause) { // a slow reader: the server's socket fills, its writes stay partial
                nextPause += 256 * 1024;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
        written.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(got).isEqualTo(total);
        assertThat(gotCrc.getValue()).as("echoed bytes").isEqualTo(sentCrc.getValue());
        await("server counted all bytes", () -> serverBytes.get() == total);
        long crc = FlowTestSupport.onLoop(reactor, r -> serverCrc.getValue());
        assertThat(crc).as("bytes the server decrypted").isEqualTo(sentCrc.getValue());
        assertThat(reactor.stats().tlsFailures()).isZero();
        await("output drained", () -> reactor.stats().pendingOutboundBytes() == 0);
        assertThat(mostPending.get()).as("the slow reader backed output up").isPositive();
        long left = FlowTestSupport.onLoop(reactor, r -> serverSide.get().pendingOutboundBytes());
        assertThat(left).as("queued and encrypted bytes left once the client read everything").isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // (f) graceful close

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void serverCloseWritesQueuedOutputThenTheClientReadsTheEnd(String protocol) throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-close");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        JdkClient client = support.closeLater(JdkClient.connect(address, TestCerts.clientTrustingCa(),
                p -> p.setProtocols(new String[] {protocol})));
        client.writeLine("burst 500");
        for (int i = 0; i < 500; i++) {
            assertThat(client.readLine()).isEqualTo("line " + i + " " + "y".repeat(200));
        }
        assertThat(client.in.read()).as("end of stream (close_notify), not an exception").isEqualTo(-1);
        assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Echo.ORDERLY);
        assertThat(reactor.stats().tlsFailures()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void clientCloseIsAnOrderlyClose(String protocol) throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-client-close");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        JdkClient client = JdkClient.connect(address, TestCerts.clientTrustingCa(),
                p -> p.setProtocols(new String[] {protocol}));
        client.writeLine("one");
        assertThat(client.readLine()).isEqualTo("one");
        client.close();
        assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Echo.ORDERLY);
        awaitRegistrySize(reactor, 0);
        assertThat(reactor.stats().tlsFailures()).isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Handshake edges: the last flight with data, dribbled bytes, resumption, a greeting in onOpen

    @Test
    void applicationDataInTheSameSegmentAsTheClientFinishedIsDelivered() throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-finished-data");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        try (EngineClient c = support.closeLater(new EngineClient(address, "TLSv1.3"))) {
            byte[] finished = c.handshakeHoldingLastFlight();
            assertThat(finished).isNotEmpty();
            c.send(concat(finished, c.wrap("first\n".getBytes(StandardCharsets.US_ASCII)),
                    c.wrap("second\n".getBytes(StandardCharsets.US_ASCII))));
            StringBuilder got = new StringBuilder();
            while (got.length() < "first\nsecond\n".length()) {
                got.append(c.readAppData());
            }
            assertThat(got.toString()).isEqualTo("first\nsecond\n");
        }
        assertThat(reactor.stats().tlsFailures()).isZero();
    }

    @Test
    void recordsDribbledAFewBytesAtATimeInBothDirections() throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-dribble");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        DribbleProxy toReactor = support.closeLater(new DribbleProxy(address, 1));
        JdkClient client = support.closeLater(JdkClient.connect(toReactor.address(), TestCerts.clientTrustingCa(),
                p -> p.setServerNames(List.of(new SNIHostName("localhost")))));
        for (int size = 1; size <= 20_000; size *= 3) {
            String line = "d".repeat(size);
            client.writeLine(line);
            assertThat(client.readLine()).isEqualTo(line);
        }
        assertThat(echo.sessions.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).serverName()).isEqualTo("localhost");

        // The reactor as the client, dribbled too.
        JdkServer server = support.closeLater(new JdkServer(TestCerts.server(), "welcome"));
        DribbleProxy toServer = support.closeLater(new DribbleProxy(server.address(), 2));
        Collect got = new Collect();
        Reactor clientReactor = support.start(Reactor.builder().handler(got), "tls-dribble-client");
        Connection c = clientReactor.connect(toServer.address(), tlsClient()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(got.next()).isEqualTo("welcome");
        String big = "e".repeat(20_000);
        c.send(big);
        assertThat(got.next()).isEqualTo("echo " + big);
        assertThat(reactor.stats().tlsFailures()).isZero();
        assertThat(clientReactor.stats().tlsFailures()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void greetingInOnOpenAndResumedSessions(String protocol) throws Exception {
        Echo echo = new Echo(failures);
        echo.greeting = "welcome";
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-resume");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        SSLContext clientContext = TestCerts.clientTrustingCa(); // shared: its session cache resumes
        long[] created = new long[2];
        for (int i = 0; i < 2; i++) {
            try (JdkClient c = JdkClient.connect(address, clientContext,
                    p -> p.setProtocols(new String[] {protocol}))) {
                assertThat(c.readLine()).isEqualTo("welcome");
                c.writeLine("round " + i);
                assertThat(c.readLine()).isEqualTo("round " + i);
                created[i] = c.socket.getSession().getCreationTime();
            }
        }
        if (protocol.equals("TLSv1.2")) {
            assertThat(created[1]).as("the second session was resumed").isEqualTo(created[0]);
        }
        // The reactor as a resuming client, with the same context each time.
        Collect got = new Collect();
        Reactor client = support.start(Reactor.builder().handler(got), "tls-resume-client");
        ConnectionOptions options = ConnectionOptions.defaults().withTls(
                TlsOptions.client(clientContext).withProtocols(protocol));
        for (int i = 0; i < 3; i++) {
            Connection c = client.connect(address, options).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(got.next()).isEqualTo("welcome");
            c.send("again " + i);
            assertThat(got.next()).isEqualTo("again " + i);
            c.close();
        }
        assertThat(reactor.stats().tlsHandshakes()).isEqualTo(5);
        assertThat(reactor.stats().tlsFailures()).isZero();
        assertThat(client.stats().tlsFailures()).isZero();
    }

    @Test
    void serverRestrictedToTls12NegotiatesIt() throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-12-only");
        InetSocketAddress address = reactor.bind(ANY_PORT, ConnectionOptions.defaults().withTls(
                TlsOptions.server(TestCerts.server()).withProtocols("TLSv1.2")));
        try (JdkClient c = JdkClient.connect(address, TestCerts.clientTrustingCa(), p -> { })) {
            assertThat(c.socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
            c.writeLine("twelve");
            assertThat(c.readLine()).isEqualTo("twelve");
        }
        assertThat(echo.sessions.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).protocol()).isEqualTo("TLSv1.2");
    }

    @Test
    void optionsAreValidated() throws Exception {
        SSLContext ctx = TestCerts.clientTrustingCa();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TlsOptions.server(ctx).withProtocols("TLSv1.1"))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TlsOptions.server(ctx).withProtocols())
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> TlsOptions.client(ctx).withHandshakeTimeout(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        Reactor reactor = support.start(Reactor.builder().handler(new Collect()), "tls-options");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> reactor.bind(ANY_PORT, ConnectionOptions.defaults().withTls(TlsOptions.client(ctx))))
                .isInstanceOf(IllegalArgumentException.class);
        InetSocketAddress plain = reactor.bind(ANY_PORT);
        assertThat(cause(reactor.connect(plain, ConnectionOptions.defaults().withTls(TlsOptions.server(ctx)))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(reactor.boundAddresses()).containsExactly(plain);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Half-close and refusal over TLS

    @Test
    void clientHalfCloseGetsEveryAnswerThenTheEnd() throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-client-half");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        JdkClient client = support.closeLater(JdkClient.connect(address, TestCerts.clientTrustingCa(),
                p -> p.setProtocols(new String[] {"TLSv1.3"})));
        for (int i = 0; i < 100; i++) {
            client.writeLine("q " + i);
        }
        client.socket.shutdownOutput(); // TLS 1.3: close_notify, reading goes on
        for (int i = 0; i < 100; i++) {
            assertThat(client.readLine()).isEqualTo("q " + i);
        }
        assertThat(client.in.read()).isEqualTo(-1);
        assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Echo.ORDERLY);
    }

    @Test
    void serverHalfCloseEndsTheClientsInputOnly() throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-server-half");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        JdkClient client = support.closeLater(JdkClient.connect(address, TestCerts.clientTrustingCa(),
                p -> p.setProtocols(new String[] {"TLSv1.3"})));
        client.writeLine("half");
        assertThat(client.readLine()).isEqualTo("half");
        assertThat(client.in.read()).as("close_notify ends the client's input").isEqualTo(-1);
        long before = reactor.stats().messagesIn();
        client.writeLine("after the half-close"); // still read by the server
        await("the server read on", () -> reactor.stats().messagesIn() == before + 1);
        assertThat(echo.closed).isEmpty();
        client.close();
        assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Echo.ORDERLY);
        assertThat(reactor.stats().tlsFailures()).isZero();
    }

    @Test
    void handshakesInProgressCountAgainstTheirAddresssCap() throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo).maxConnectionsPerIp(2), "tls-per-ip");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        // Two sockets that never send a ClientHello hold both of 127.0.0.1's slots while their handshakes wait.
        Socket stalled1 = support.closeLater(new Socket(address.getAddress(), address.getPort()));
        Socket stalled2 = support.closeLater(new Socket(address.getAddress(), address.getPort()));
        // Accepted in order: by the time the loop accepts the third, the first two are handshaking.
        Socket third = support.closeLater(new Socket(address.getAddress(), address.getPort()));
        third.setSoTimeout((int) WAIT.toMillis());
        assertThat(third.getInputStream().read()).as("the third is closed before its handshake").isEqualTo(-1);
        await("the refusal counted", () -> reactor.stats().connectionsRejected() == 1);
        assertThat(echo.opened).isEmpty();

        stalled1.close(); // its handshake fails, and frees a slot
        await("a stalled handshake ended", () -> reactor.stats().tlsFailures() == 1);
        JdkClient client = support.closeLater(JdkClient.connect(address, TestCerts.clientTrustingCa(), p -> { }));
        client.writeLine("in");
        assertThat(client.readLine()).isEqualTo("in");
        assertThat(reactor.stats().connectionsRejected()).isEqualTo(1);
        stalled2.close();
    }

    @Test
    void overTheLimitATlsConnectionIsClosedBeforeItsHandshake() throws Exception {
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo).maxConnections(1), "tls-refuse");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        JdkClient first = support.closeLater(JdkClient.connect(address, TestCerts.clientTrustingCa(), p -> { }));
        first.writeLine("first");
        assertThat(first.readLine()).isEqualTo("first");
        // The limit counts handshakes in progress and is checked at accept: nothing can be said to the excess
        // connection without a handshake, so it is closed and its handshake fails.
        assertThatThrownBy(() -> JdkClient.connect(address, TestCerts.clientTrustingCa(), p -> { }).close())
                .isInstanceOf(IOException.class);
        await("the refusal counted", () -> reactor.stats().connectionsRejected() == 1);
        assertThat(echo.opened).hasSize(1);
        assertThat(echo.closed).isEmpty();
        first.writeLine("first still served");
        assertThat(first.readLine()).isEqualTo("first still served");
    }

    // ---------------------------------------------------------------------------------------------------------
    // (g) openssl s_client

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    void opensslClientInterop(String version) throws Exception {
        Assumptions.assumeTrue(opensslAvailable(), "openssl is not on the PATH");
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-openssl");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        OpenSsl s = support.closeLater(new OpenSsl("s_client", "-connect", "127.0.0.1:" + address.getPort(), version,
                "-CAfile", TestCerts.caPem().toString(), "-servername", "localhost", "-verify_return_error", "-quiet"));
        s.writeLine("hello from openssl");
        assertThat(s.nextLine()).isEqualTo("hello from openssl");
        TlsSession session = echo.sessions.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(session.protocol()).isEqualTo(version.equals("-tls1_3") ? "TLSv1.3" : "TLSv1.2");
        assertThat(session.serverName()).isEqualTo("localhost");
        s.writeLine("bye"); // the server answers and closes: s_client ends
        assertThat(s.nextLine()).isEqualTo("bye");
        assertThat(s.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("s_client ended").isTrue();
        assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Echo.ORDERLY);
        assertThat(reactor.stats().tlsFailures()).isZero();
    }

    @Test
    void opensslKeyUpdatesAreAnswered() throws Exception {
        Assumptions.assumeTrue(opensslAvailable(), "openssl is not on the PATH");
        Echo echo = new Echo(failures);
        Reactor reactor = support.start(Reactor.builder().handler(echo), "tls-keyupdate");
        InetSocketAddress address = reactor.bind(ANY_PORT, tlsServer());
        // -quiet -no_ign_eof: no session report, but commands: a line "K" sends a KeyUpdate that asks for one back,
        // "k" one that does not. -msg traces the handshake messages both ways ("<<<" is what the server sent).
        Path msgs = Files.createTempFile("s_client", ".msg");
        support.closeLater(() -> Files.deleteIfExists(msgs));
        OpenSsl s = support.closeLater(new OpenSsl("s_client", "-connect", "127.0.0.1:" + address.getPort(),
                "-tls1_3", "-CAfile", TestCerts.caPem().toString(), "-servername", "localhost",
                "-verify_return_error", "-quiet", "-no_ign_eof", "-msg", "-msgfile", msgs.toString()));
        s.writeLine("before");
        s.awaitLine(l -> l.equals("before"));
        s.writeLine("K");
        await("the reactor's answering KeyUpdate", () -> Files.readAllLines(msgs).stream()
                .anyMatch(l -> l.startsWith("<<<") && l.endsWith("KeyUpdate")));
        s.writeLine("after K");
        s.awaitLine(l -> l.equals("after K"));
        s.writeLine("k");
        // s_client drops whatever came with a command in the same read of its stdin: wait until the "k" is sent
        await("the client's second KeyUpdate", () -> Files.readAllLines(msgs).stream()
                .filter(l -> l.startsWith(">>>") && l.endsWith("KeyUpdate")).count() == 2);
        s.writeLine("after k");
        s.awaitLine(l -> l.equals("after k"));
        assertThat(reactor.stats().tlsFailures()).isZero();
        assertThat(echo.closed).isEmpty();
        s.process.getOutputStream().close(); // end of stdin: s_client sends close_notify and quits
        assertThat(s.exitCode()).isEqualTo(0);
        assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Echo.ORDERLY);
    }

    static boolean opensslAvailable() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** An {@code openssl} process whose stdout lines are collected by a thread; stderr goes to a file. */
    static final class OpenSsl implements AutoCloseable {
        final Process process;
        final Path stderr;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();

        OpenSsl(String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("openssl"));
            cmd.addAll(Arrays.asList(args));
            stderr = Files.createTempFile("openssl", ".err");
            process = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
            daemon(() -> {
                try (InputStream in = process.getInputStream()) {
                    ByteArrayOutputStream line = new ByteArrayOutputStream();
                    int b;
                    while ((b = in.read()) != -1) {
                        if (b == '\n') {
                            lines.add(line.toString(StandardCharsets.UTF_8));
                            line.reset();
                        } else {
                            line.write(b);
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
                lines.add("<EOF>");
            });
        }

        void writeLine(String s) throws IOException {
            OutputStream out = process.getOutputStream();
            out.write((s + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String nextLine() throws Exception {
            String line = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null || line.equals("<EOF>")) {
                fail("no line from openssl (" + line + "); stdout so far:\n" + seen + "\nstderr:\n"
                        + Files.readString(stderr));
            }
            seen.add(line);
            return line;
        }

        /** Skips stdout lines until one matches. */
        void awaitLine(java.util.function.Predicate<String> match) throws Exception {
            while (!match.test(nextLine())) {
                // s_client's trace, and the like
            }
        }

        /** Whether the process ended within the wait, and its exit code then. */
        Integer exitCode() throws InterruptedException {
            return process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS) ? process.exitValue() : null;
        }

        String stderrText() throws IOException {
            return Files.readString(stderr);
        }

        @Override
        public void close() throws Exception {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // it has ended already
            }
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            Files.deleteIfExists(stderr);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Peers and handlers, shared with TlsFailuresTest

    /**
     * Echoes each line; {@code "burst N"} answers N lines and closes, {@code "bye"} answers and closes,
     * {@code "half"} answers and shuts its output down. Records opens, their TLS sessions and close causes; a
     * refused connection is told {@code "refused REASON"}.
     */
    static final class Echo implements Handler {
        static final String ORDERLY = "orderly";
        final BlockingQueue<Connection> opened = new LinkedBlockingQueue<>();
        final BlockingQueue<TlsSession> sessions = new LinkedBlockingQueue<>();
        /** Close causes as text; {@link #ORDERLY} for null. */
        final BlockingQueue<String> closed = new LinkedBlockingQueue<>();
        private final LoopFailures failures;
        /** Sent to each connection in onOpen, if not null. */
        volatile String greeting;

        Echo(LoopFailures failures) {
            this.failures = failures;
        }

        @Override
        public void onOpen(Connection connection) {
            failures.check(() -> assertThat(connection.isOpen()).isTrue());
            opened.add(connection);
            if (connection.tls() != null) {
                sessions.add(connection.tls());
            }
            if (greeting != null) {
                connection.send(greeting);
            }
        }

        @Override
        public void onRefused(Connection connection, Refusal reason) {
            connection.send("refused " + reason);
        }

        @Override
        public void onMessage(Connection connection, ByteBuffer payload) {
            String s = StandardCharsets.UTF_8.decode(payload.duplicate()).toString();
            if (s.startsWith("burst ")) {
                for (int i = 0, n = Integer.parseInt(s.substring(6)); i < n; i++) {
                    connection.send("line " + i + " " + "y".repeat(200));
                }
                connection.close();
            } else {
                connection.message().put(payload).send();
                if (s.equals("bye")) {
                    connection.close();
                } else if (s.equals("half")) {
                    connection.shutdownOutput();
                }
            }
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            closed.add(cause == null ? ORDERLY : cause.toString());
        }
    }

    /** Collects decoded messages as text; records opens and the (first) close. */
    static final class Collect implements Handler {
        static final String ORDERLY = "orderly";
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        final List<Connection> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CompletableFuture<String> closeCause = new CompletableFuture<>();

        @Override
        public void onOpen(Connection connection) {
            opened.add(connection);
        }

        @Override
        public void onMessage(Connection connection, ByteBuffer payload) {
            messages.add(StandardCharsets.UTF_8.decode(payload).toString());
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            closeCause.complete(cause == null ? ORDERLY : cause.toString());
        }

        String next() throws InterruptedException {
            String m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(m).as("a message within %d ms", WAIT.toMillis()).isNotNull();
            return m;
        }
    }

    /** A JDK TLS client over a blocking {@link SSLSocket}; reads time out after {@link FlowTestSupport#WAIT}. */
    static final class JdkClient implements AutoCloseable {
        final SSLSocket socket;
        final InputStream in;
        final OutputStream out;

        private JdkClient(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            this.out = socket.getOutputStream();
        }

        /** Connects and completes the handshake; host names are verified ("HTTPS"), then {@code params} apply. */
        static JdkClient connect(InetSocketAddress address, SSLContext context, Consumer<SSLParameters> params)
                throws IOException {
            return connect(address, context, params, s -> { });
        }

        static JdkClient connect(InetSocketAddress address, SSLContext context, Consumer<SSLParameters> params,
                                 SocketSetup beforeConnect) throws IOException {
            SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
            try {
                beforeConnect.apply(s);
                s.connect(address, 5_000);
                s.setSoTimeout((int) WAIT.toMillis());
                s.setTcpNoDelay(true);
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                params.accept(p);
                s.setSSLParameters(p);
                s.startHandshake();
                return new JdkClient(s);
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }

        void writeLine(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** The next line without its '\n', or null at the end of the stream. */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @FunctionalInterface
    interface SocketSetup {
        void apply(Socket socket) throws IOException;
    }

    /**
     * A TCP proxy on loopback for one connection that forwards both ways in writes of 1 to 7 bytes (TCP_NODELAY),
     * so that records, and their headers, arrive split everywhere.
     */
    static final class DribbleProxy implements AutoCloseable {
        private final java.net.ServerSocket server;
        private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

        DribbleProxy(InetSocketAddress target, long seed) throws IOException {
            server = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            daemon(() -> {
                try {
                    Socket a = server.accept();
                    sockets.add(a);
                    Socket b = new Socket();
                    sockets.add(b);
                    b.connect(target, 5_000);
                    a.setTcpNoDelay(true);
                    b.setTcpNoDelay(true);
                    daemon(() -> pump(a, b, new Random(seed)));
                    daemon(() -> pump(b, a, new Random(seed + 1)));
                } catch (IOException e) {
                    // closed
                }
            });
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", server.getLocalPort());
        }

        private static void pump(Socket from, Socket to, Random random) {
            byte[] buf = new byte[8192];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int off = 0; off < n; ) {
                        int k = Math.min(n - off, 1 + random.nextInt(7));
                        out.write(buf, off, k);
                        out.flush();
                        off += k;
                    }
                }
                to.shutdownOutput();
            } catch (IOException e) {
                // one side closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /**
     * A JDK {@link SSLServerSocket} on loopback that serves one connection on a thread: handshake, then an
     * optional greeting line, then {@code "echo " + line} for each line until the end of the stream.
     */
    static final class JdkServer implements AutoCloseable {
        final SSLServerSocket server;
        /** The handshake's outcome: the SNI name the client sent ("" for none), or the handshake's failure. */
        final CompletableFuture<String> sni = new CompletableFuture<>();
        final CompletableFuture<String> protocol = new CompletableFuture<>();
        /** How the connection ended: "EOF after N lines", or the exception. */
        final CompletableFuture<String> ended = new CompletableFuture<>();
        private final Thread thread;
        private volatile Socket accepted;

        JdkServer(SSLContext context, String greeting) throws IOException {
            server = (SSLServerSocket) context.getServerSocketFactory()
                    .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> serve(greeting), "jdk-tls-server");
            thread.setDaemon(true);
            thread.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", server.getLocalPort());
        }

        private void serve(String greeting) {
            try (SSLSocket s = (SSLSocket) server.accept()) {
                accepted = s;
                s.setSoTimeout((int) WAIT.toMillis());
                try {
                    s.startHandshake();
                } catch (IOException e) {
                    sni.completeExceptionally(e);
                    protocol.completeExceptionally(e);
                    ended.complete(e.toString());
                    return;
                }
                String name = "";
                for (SNIServerName n : ((ExtendedSSLSession) s.getSession()).getRequestedServerNames()) {
                    if (n instanceof SNIHostName h) {
                        name = h.getAsciiName();
                    }
                }
                sni.complete(name);
                protocol.complete(s.getSession().getProtocol());
                OutputStream out = s.getOutputStream();
                if (greeting != null) {
                    out.write((greeting + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                InputStream in = new BufferedInputStream(s.getInputStream());
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int lines = 0;
                int b;
                while ((b = in.read()) != -1) {
                    if (b == '\n') {
                        String echo = "echo " + line.toString(StandardCharsets.UTF_8) + "\n";
                        out.write(echo.getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        line.reset();
                        lines++;
                    } else {
                        line.write(b);
                    }
                }
                ended.complete("EOF after " + lines + " lines");
            } catch (IOException | RuntimeException e) {
                sni.completeExceptionally(e);
                protocol.completeExceptionally(e);
                ended.complete(e.toString());
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            Socket s = accepted;
            if (s != null) {
                s.close();
            }
            thread.join(5_000);
        }
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** Unwraps an {@link ExecutionException}'s cause, for assertions on a failed future. */
    static Throwable cause(CompletableFuture<?> f) throws Exception {
        try {
            f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        return fail("expected the future to fail");
    }

    /** A TLS client driving its own {@link SSLEngine} over a plain blocking socket, so it can send anything. */
    static final class EngineClient implements AutoCloseable {
        final Socket socket = new Socket();
        final SSLEngine engine;
        private final ByteBuffer netIn;
        private final ByteBuffer app;

        EngineClient(InetSocketAddress address, String protocol) throws IOException {
            socket.connect(address, 5_000);
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.setTcpNoDelay(true);
            SSLContext ctx = TestCerts.clientTrustingCa();
            engine = ctx.createSSLEngine("localhost", address.getPort());
            engine.setUseClientMode(true);
            engine.setEnabledProtocols(new String[] {protocol});
            netIn = ByteBuffer.allocate(4 * engine.getSession().getPacketBufferSize()).flip();
            app = ByteBuffer.allocate(4 * engine.getSession().getApplicationBufferSize());
        }

        void handshake() throws IOException {
            byte[] last = handshakeHoldingLastFlight();
            if (last.length > 0) {
                send(last);
            }
        }

        /**
         * Runs the handshake up to the client's last flight (TLS 1.3: its Finished), which is returned unsent, so
         * that a test can send it in one segment with what follows.
         */
        byte[] handshakeHoldingLastFlight() throws IOException {
            engine.beginHandshake();
            ByteBuffer out = ByteBuffer.allocate(4 * engine.getSession().getPacketBufferSize());
            while (true) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_WRAP -> {
                        out.clear();
                        SSLEngineResult r = engine.wrap(EMPTY, out);
                        byte[] flight = Arrays.copyOf(out.array(), out.position());
                        if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
                            return flight;
                        }
                        send(flight);
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        SSLEngineResult r = engine.unwrap(netIn, app);
                        if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                            readMore();
                        } else if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
                            return new byte[0];
                        }
                    }
                    case NEED_TASK -> {
                        Runnable task;
                        while ((task = engine.getDelegatedTask()) != null) {
                            task.run();
                        }
                    }
                    default -> {
                        return new byte[0];
                    }
                }
            }
        }

        /** Reads records until some application data arrives; returns it (post-handshake messages are consumed). */
        String readAppData() throws IOException {
            app.clear();
            while (app.position() == 0) {
                SSLEngineResult r = engine.unwrap(netIn, app);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    readMore();
                }
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
            }
            return new String(app.array(), 0, app.position(), StandardCharsets.UTF_8);
        }

        byte[] wrap(byte[] data) throws SSLException {
            ByteBuffer out = ByteBuffer.allocate(4 * engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.wrap(data), out);
            return Arrays.copyOf(out.array(), out.position());
        }

        void send(byte[] bytes) throws IOException {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        }

        private void readMore() throws IOException {
            netIn.compact();
            int n = socket.getInputStream().read(netIn.array(), netIn.position(), netIn.remaining());
            if (n < 0) {
                throw new EOFException("the server closed during the handshake");
            }
            netIn.position(netIn.position() + n);
            netIn.flip();
        }

        /** Whether the server closes (EOF or reset) within the read timeout; bytes before it (an alert) are skipped. */
        boolean awaitClosed() {
            try {
                return TlsFailuresTest.closedByPeer(socket.getInputStream());
            } catch (IOException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
