package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.WAIT;
import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.tick;
import static io.chatnio.FlowTestSupport.twoPasses;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.TlsTest.Collect;
import io.chatnio.TlsTest.Echo;
import io.chatnio.TlsTest.EngineClient;
import io.chatnio.TlsTest.JdkClient;
import io.chatnio.TlsTest.JdkServer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateExpiredException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS failures: each closes only its own connection, is counted in {@link ReactorStats#tlsFailures()}, and (if the
 * handshake did not finish) is never announced by {@code onOpen}; meanwhile an established TLS connection on the
 * same listener and a plain one on another listener of the same reactor keep echoing. Real sockets on loopback;
 * every wait bounded.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsFailuresTest {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final FlowTestSupport support = new FlowTestSupport();
    private final LoopFailures failures = new LoopFailures();
    private Echo echo;
    private Reactor reactor;
    /** A TLS listener whose handshake timeout (60 s) never fires within a test. */
    private InetSocketAddress tls;
    private InetSocketAddress plain;
    /** An established TLS connection on {@link #tls}, opened before the failure. */
    private JdkClient bystander;

    @AfterEach
    void tearDown() throws Exception {
        support.close();
        failures.rethrow();
    }

    /** Starts the reactor (on {@code clock}, or the system clock if null), its listeners and the bystander. */
    private void start(Clock clock) throws Exception {
        echo = new Echo(failures);
        ReactorBuilder b = Reactor.builder().handler(echo);
        if (clock != null) {
            b.clock(clock);
        }
        reactor = support.start(b, "tls-failures");
        tls = reactor.bind(ANY_PORT, ConnectionOptions.defaults().withTls(
                TlsOptions.server(TestCerts.server()).withHandshakeTimeout(Duration.ofSeconds(60))));
        plain = reactor.bind(ANY_PORT);
        bystander = support.closeLater(JdkClient.connect(tls, TestCerts.clientTrustingCa(), p -> { }));
        bystander.writeLine("before");
        assertThat(bystander.readLine()).isEqualTo("before");
        assertThat(echo.opened.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
    }

    /**
     * After {@code expectedFailures} failed handshakes: counted, none opened, and the bystander and a new plain
     * connection still echo.
     */
    private void assertOnlyTheFailedConnectionsClosed(int expectedFailures, int expectedHandshakes) throws Exception {
        await(expectedFailures + " TLS failures counted", () -> reactor.stats().tlsFailures() >= expectedFailures);
        bystander.writeLine("still here");
        assertThat(bystander.readLine()).isEqualTo("still here");
        assertThat(echo.opened).as("opened after the bystander").isEmpty();
        assertThat(echo.closed).as("no opened connection closed").isEmpty();
        try (TestClient c = new TestClient(plain)) {
            c.writeLine("plain still echoes");
            assertThat(c.readLine()).isEqualTo("plain still echoes");
        }
        ReactorStats stats = reactor.stats();
        assertThat(stats.tlsFailures()).isEqualTo(expectedFailures);
        assertThat(stats.tlsHandshakes()).isEqualTo(expectedHandshakes);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Not TLS at all

    @Test
    void plainTextHttpRequestIsClosedPromptly() throws Exception {
        start(null);
        TestClient c = support.connect(tls);
        c.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(c.awaitClosed()).as("closed well before the 60 s handshake timeout").isTrue();
        assertOnlyTheFailedConnectionsClosed(1, 1);
    }

    @Test
    void randomGarbageIsClosed() throws Exception {
        start(null);
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        garbage[0] = (byte) 0x99; // not a record type, so the header alone gives it away
        TestClient c = support.connect(tls);
        c.write(garbage);
        assertThat(c.awaitClosed()).isTrue();
        assertOnlyTheFailedConnectionsClosed(1, 1);
    }

    @Test
    void garbageBehindAHandshakeRecordHeaderIsClosed() throws Exception {
        start(null);
        byte[] body = new byte[200];
        new Random(11).nextBytes(body);
        byte[] record = concat(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) body.length}, body);
        TestClient c = support.connect(tls);
        c.write(record);
        assertThat(c.awaitClosed()).isTrue();
        assertOnlyTheFailedConnectionsClosed(1, 1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Stalled, truncated, reset

    @Test
    void truncatedOrMissingClientHelloTimesOut() throws Exception {
        start(null);
        InetSocketAddress quick = reactor.bind(ANY_PORT, ConnectionOptions.defaults().withTls(
                TlsOptions.server(TestCerts.server()).withHandshakeTimeout(Duration.ofMillis(300))));
        byte[] hello = clientHello();
        assertThat(hello.length).isGreaterThan(100);
        long start = System.nanoTime();
        TestClient truncated = support.connect(quick);
        truncated.write(Arrays.copyOf(hello, 50));
        TestClient silent = support.connect(quick);
        assertThat(truncated.awaitClosed()).isTrue();
        assertThat(silent.awaitClosed()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        assertOnlyTheFailedConnectionsClosed(2, 1);
    }

    @Test
    void handshakeTimeoutRunsOnTheReactorClock() throws Exception {
        ManualClock clock = new ManualClock();
        start(clock);
        InetSocketAddress quick = reactor.bind(ANY_PORT, ConnectionOptions.defaults().withTls(
                TlsOptions.server(TestCerts.server()).withHandshakeTimeout(Duration.ofMillis(300))));
        TestClient c = support.connect(quick);
        c.write(Arrays.copyOf(clientHello(), 50));
        twoPasses(reactor);
        c.socket.setSoTimeout(300);
        assertThat(c.awaitClosed()).as("open while the reactor's clock stands still").isFalse();
        c.socket.setSoTimeout(20);
        long advanced = 0;
        while (!c.awaitClosed()) {
            assertThat(advanced).as("closed within 10 s of reactor time").isLessThan(10_000);
            tick(reactor, clock, 100);
            advanced += 100;
        }
        assertThat(advanced).isGreaterThanOrEqualTo(300);
        assertOnlyTheFailedConnectionsClosed(1, 1);
    }

    @Test
    void peerClosingMidHandshakeIsAFailure() throws Exception {
        start(null);
        TestClient c = support.connect(tls);
        c.write(Arrays.copyOf(clientHello(), 50));
        c.socket.shutdownOutput();
        assertThat(c.awaitClosed()).isTrue();
        assertOnlyTheFailedConnectionsClosed(1, 1);
    }

    @Test
    void resetMidHandshakeIsAFailure() throws Exception {
        start(null);
        // Half a ClientHello, then a reset.
        TestClient partial = support.connect(tls);
        partial.write(Arrays.copyOf(clientHello(), 50));
        FlowTestSupport.reset(partial.socket);
        await("first reset counted", () -> reactor.stats().tlsFailures() == 1);
        // A whole ClientHello, the start of the server's answer, then a reset: surely mid-handshake.
        TestClient whole = support.connect(tls);
        whole.write(clientHello());
        assertThat(whole.in().read()).as("the server's first flight").isEqualTo(0x16);
        FlowTestSupport.reset(whole.socket);
        assertOnlyTheFailedConnectionsClosed(2, 1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // After a valid handshake

    @Test
    void oversizedRecordAfterTheHandshakeClosesTheConnection() throws Exception {
        start(null);
        try (EngineClient c = new EngineClient(tls, "TLSv1.3")) {
            c.handshake();
            c.send(c.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(c.readAppData()).isEqualTo("hello\n");
            byte[] junk = new byte[1000];
            new Random(3).nextBytes(junk);
            c.send(concat(new byte[] {0x17, 0x03, 0x03, (byte) 0xff, (byte) 0xff}, junk));
            assertThat(c.awaitClosed()).isTrue();
        }
        await("the failure counted", () -> reactor.stats().tlsFailures() == 1);
        assertThat(echo.opened).hasSize(1); // the handshake was done: it was opened, and closes with a cause
        assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotEqualTo(Echo.ORDERLY);
        assertThat(reactor.stats().bufferedInboundBytes()).isLessThan(17 * 1024);
        bystander.writeLine("still here");
        assertThat(bystander.readLine()).isEqualTo("still here");
        assertThat(reactor.stats().tlsHandshakes()).isEqualTo(2);
    }

    @Test
    void endOfStreamInsideARecordIsAFailure() throws Exception {
        start(null);
        try (EngineClient c = new EngineClient(tls, "TLSv1.3")) {
            c.handshake();
            byte[] record = c.wrap("never complete\n".getBytes(StandardCharsets.US_ASCII));
            c.send(Arrays.copyOf(record, record.length - 5));
            c.socket.shutdownOutput();
            assertThat(c.awaitClosed()).isTrue();
        }
        await("the failure counted", () -> reactor.stats().tlsFailures() == 1);
        assertThat(echo.opened).hasSize(1);
        assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotEqualTo(Echo.ORDERLY);
        assertThat(reactor.stats().messagesIn()).as("only the bystander's line").isEqualTo(1);
    }

    @Test
    void renegotiationIsRefused() throws Exception {
        start(null);
        JdkClient c = support.closeLater(JdkClient.connect(tls, TestCerts.clientTrustingCa(),
                p -> p.setProtocols(new String[] {"TLSv1.2"})));
        c.writeLine("one");
        assertThat(c.readLine()).isEqualTo("one");
        Connection server = echo.opened.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(server.tls().protocol()).isEqualTo("TLSv1.2");
        try {
            c.socket.startHandshake(); // a renegotiation: the client sends a new ClientHello
            c.writeLine("two");
        } catch (IOException e) {
            // the server may already have closed
        }
        assertThat(closedByPeer(c.in)).isTrue();
        await("the failure counted", () -> reactor.stats().tlsFailures() == 1);
        assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotEqualTo(Echo.ORDERLY);
        bystander.writeLine("still here");
        assertThat(bystander.readLine()).isEqualTo("still here");
    }

    @Test
    void opensslRenegotiationIsRefused() throws Exception {
        Assumptions.assumeTrue(TlsTest.opensslAvailable(), "openssl is not on the PATH");
        start(null);
        // -quiet -no_ign_eof: no session report, but commands: a line "R" renegotiates (TLS 1.2).
        try (TlsTest.OpenSsl s = new TlsTest.OpenSsl("s_client", "-connect", "127.0.0.1:" + tls.getPort(), "-tls1_2",
                "-CAfile", TestCerts.caPem().toString(), "-servername", "localhost", "-verify_return_error", "-quiet",
                "-no_ign_eof")) {
            s.writeLine("one");
            s.awaitLine(l -> l.equals("one"));
            Connection server = echo.opened.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(server.tls().protocol()).isEqualTo("TLSv1.2");
            try {
                s.writeLine("R");
                s.writeLine("two");
            } catch (IOException e) {
                // s_client may have ended already: the server closed at the new ClientHello
            }
            assertThat(s.exitCode()).as("s_client ended: the server closed").isNotNull();
        }
        await("the failure counted", () -> reactor.stats().tlsFailures() == 1);
        assertThat(echo.closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotEqualTo(Echo.ORDERLY);
        bystander.writeLine("still here");
        assertThat(bystander.readLine()).isEqualTo("still here");
    }

    @Test
    void shutdownClosesHandshakesInProgress() throws Exception {
        start(null);
        TestClient c = support.connect(tls);
        c.write(clientHello());
        assertThat(c.in().read()).as("the server's first flight: the handshake is under way").isEqualTo(0x16);
        reactor.close(Duration.ofSeconds(2));
        assertThat(reactor.isTerminated()).isTrue();
        assertThat(c.awaitClosed()).isTrue();
        assertThat(TlsFailuresTest.closedByPeer(bystander.in)).isTrue();
        assertThat(echo.opened).isEmpty();
    }

    /**
     * Connections in their handshake count against the connection limit, and one over it is closed at accept,
     * before any handshake work: nothing can be said to it without a handshake, whose cost the limit avoids.
     */
    @Test
    void handshakesInProgressCountAgainstTheConnectionLimit() throws Exception {
        Reactor limited = support.start(Reactor.builder().handler(new Echo(failures)).maxConnections(2),
                "tls-limits");
        InetSocketAddress address = limited.bind(ANY_PORT, ConnectionOptions.defaults().withTls(
                TlsOptions.server(TestCerts.server()).withHandshakeTimeout(Duration.ofSeconds(60))));
        TestClient[] silent = new TestClient[5];
        for (int i = 0; i < silent.length; i++) {
            silent[i] = support.connect(address);
        }
        await("3 of 5 silent handshakes refused", () -> limited.stats().connectionsRejected() == 3);
        int closed = 0;
        for (TestClient c : silent) {
            c.socket.setSoTimeout(200);
            closed += c.awaitClosed() ? 1 : 0;
        }
        assertThat(closed).isEqualTo(3);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Negotiation

    @Test
    void noCommonProtocolVersionFailsTheHandshake() throws Exception {
        start(null);
        InetSocketAddress only12 = reactor.bind(ANY_PORT, ConnectionOptions.defaults().withTls(
                TlsOptions.server(TestCerts.server()).withProtocols("TLSv1.2")));
        try {
            JdkClient c = JdkClient.connect(only12, TestCerts.clientTrustingCa(),
                    p -> p.setProtocols(new String[] {"TLSv1.3"}));
            c.close();
            throw new AssertionError("the handshake should have failed");
        } catch (SSLHandshakeException expected) {
            // protocol_version alert
        }
        assertOnlyTheFailedConnectionsClosed(1, 1);
    }

    @Test
    void alpnWithNothingInCommonFailsTheHandshake() throws Exception {
        start(null);
        InetSocketAddress alpn = reactor.bind(ANY_PORT, ConnectionOptions.defaults().withTls(
                TlsOptions.server(TestCerts.server()).withApplicationProtocols("chat/2", "chat/1")));
        try {
            JdkClient c = JdkClient.connect(alpn, TestCerts.clientTrustingCa(),
                    p -> p.setApplicationProtocols(new String[] {"chat/3"}));
            c.close();
            throw new AssertionError("the handshake should have failed");
        } catch (SSLHandshakeException expected) {
            assertThat(expected).hasMessageContaining("no_application_protocol");
        }
        assertOnlyTheFailedConnectionsClosed(1, 1);
    }

    @Test
    void tls11ClientIsRefused() throws Exception {
        Assumptions.assumeTrue(jdkCanOffer("TLSv1.1"),
                "TLSv1.1 is disabled in this JDK's java.security (jdk.tls.disabledAlgorithms)");
        start(null);
        try {
            JdkClient c = JdkClient.connect(tls, TestCerts.clientTrustingCa(),
                    p -> p.setProtocols(new String[] {"TLSv1.1"}));
            c.close();
            throw new AssertionError("the handshake should have failed");
        } catch (SSLException expected) {
            // refused
        }
        assertOnlyTheFailedConnectionsClosed(1, 1);
    }

    @Test
    void tls11OpensslClientIsRefused() throws Exception {
        Assumptions.assumeTrue(TlsTest.opensslAvailable(), "openssl is not on the PATH");
        start(null);
        try (TlsTest.OpenSsl s = new TlsTest.OpenSsl("s_client", "-connect", "127.0.0.1:" + tls.getPort(), "-tls1_1",
                "-cipher", "DEFAULT:@SECLEVEL=0", "-CAfile", TestCerts.caPem().toString(), "-quiet")) {
            Integer exit = s.exitCode();
            assertThat(exit).as("s_client ended; stderr:\n%s", s.stderrText()).isNotNull().isNotZero();
            Assumptions.assumeFalse(s.stderrText().contains("no protocols available"),
                    "this openssl cannot offer TLS 1.1 at all");
        }
        assertOnlyTheFailedConnectionsClosed(1, 1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The reactor as a client

    @ParameterizedTest
    @EnumSource(value = TestCerts.Cert.class, names = {"EXPIRED", "SELF_SIGNED", "OTHER_HOST"})
    void clientRefusesABadServerCertificate(TestCerts.Cert cert) throws Exception {
        JdkServer server = support.closeLater(new JdkServer(TestCerts.server(cert), "welcome"));
        Collect got = new Collect();
        Reactor client = support.start(Reactor.builder().handler(got), "tls-bad-cert");
        Throwable cause = TlsTest.cause(client.connect(server.address(), TlsTest.tlsClient()));
        assertThat(cause).isInstanceOf(SSLHandshakeException.class);
        if (cert == TestCerts.Cert.EXPIRED) {
            assertThat(cause).hasRootCauseInstanceOf(CertificateExpiredException.class);
        }
        assertThat(got.opened).isEmpty();
        ReactorStats stats = client.stats();
        assertThat(stats.tlsFailures()).isEqualTo(1);
        assertThat(stats.tlsHandshakes()).isZero();
        assertThat(stats.connectionsOpen()).isZero();
        assertThat(server.sni).as("the JDK server's handshake failed too")
                .failsWithin(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void defaultTrustStoreDoesNotTrustTheTestCa() throws Exception {
        JdkServer server = support.closeLater(new JdkServer(TestCerts.server(), "welcome"));
        Reactor client = support.start(Reactor.builder().handler(new Collect()), "tls-default-trust");
        Throwable cause = TlsTest.cause(client.connect(server.address(),
                ConnectionOptions.defaults().withTls(TlsOptions.client(TestCerts.clientDefaultTrust()))));
        assertThat(cause).isInstanceOf(SSLHandshakeException.class);
        assertThat(client.stats().tlsFailures()).isEqualTo(1);
    }

    @Test
    void withoutHostnameVerificationAnotherHostsCertificateIsAccepted() throws Exception {
        JdkServer server = support.closeLater(new JdkServer(TestCerts.server(TestCerts.Cert.OTHER_HOST), "welcome"));
        Collect got = new Collect();
        Reactor client = support.start(Reactor.builder().handler(got), "tls-no-verify");
        Connection c = client.connect(server.address(), ConnectionOptions.defaults().withTls(
                        TlsOptions.client(TestCerts.clientTrustingCa()).withHostnameVerification(false)))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(got.next()).isEqualTo("welcome");
        c.send("hi");
        assertThat(got.next()).isEqualTo("echo hi");
        assertThat(client.stats().tlsFailures()).isZero();
        assertThat(client.stats().tlsHandshakes()).isEqualTo(1);
    }

    @Test
    void clientFailsOnAServerThatDoesNotSpeakTls() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket s = ss.accept()) {
                    s.setSoTimeout((int) WAIT.toMillis());
                    s.getOutputStream().write("HELLO, plain text here\n".getBytes(StandardCharsets.US_ASCII));
                    s.getInputStream().readAllBytes(); // until the client gives up
                } catch (IOException e) {
                    // a reset is fine
                }
            }, TlsTest::daemon);
            Reactor client = support.start(Reactor.builder().handler(new Collect()), "tls-not-tls");
            Throwable cause = TlsTest.cause(client.connect(
                    new InetSocketAddress("127.0.0.1", ss.getLocalPort()), TlsTest.tlsClient()));
            assertThat(cause).isInstanceOf(SSLException.class);
            assertThat(client.stats().tlsFailures()).isEqualTo(1);
            served.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void clientHandshakeTimesOutOnASilentServer() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket s = ss.accept()) {
                    s.setSoTimeout((int) WAIT.toMillis());
                    s.getInputStream().readAllBytes(); // reads the ClientHello, never answers
                } catch (IOException e) {
                    // a reset is fine
                }
            }, TlsTest::daemon);
            Reactor client = support.start(Reactor.builder().handler(new Collect()), "tls-silent");
            Throwable cause = TlsTest.cause(client.connect(new InetSocketAddress("127.0.0.1", ss.getLocalPort()),
                    ConnectionOptions.defaults().withTls(TlsOptions.client(TestCerts.clientTrustingCa())
                            .withHandshakeTimeout(Duration.ofMillis(300)))));
            assertThat(cause).isInstanceOf(TimeoutException.class);
            assertThat(client.stats().tlsFailures()).isEqualTo(1);
            served.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers

    /** A real TLS 1.3 ClientHello record, as a JDK client engine produces it. */
    private static byte[] clientHello() throws SSLException {
        SSLEngine engine = TestCerts.clientTrustingCa().createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        engine.beginHandshake();
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(EMPTY, out);
        return Arrays.copyOf(out.array(), out.position());
    }

    /** Whether this JDK lets a client engine offer {@code protocol} at all. */
    private static boolean jdkCanOffer(String protocol) {
        try {
            SSLEngine engine = TestCerts.clientTrustingCa().createSSLEngine("localhost", 443);
            engine.setUseClientMode(true);
            engine.setEnabledProtocols(new String[] {protocol});
            engine.beginHandshake();
            engine.wrap(EMPTY, ByteBuffer.allocate(engine.getSession().getPacketBufferSize()));
            return true;
        } catch (SSLException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Reads until the end of the stream or a reset: true; false if nothing ends within the read timeout. */
    static boolean closedByPeer(InputStream in) {
        try {
            while (in.read() != -1) {
                // discard
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
