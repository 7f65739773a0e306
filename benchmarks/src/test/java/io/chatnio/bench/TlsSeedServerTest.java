package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TLS seed servers speak the seed protocol over TLS 1.3 with the one pinned cipher suite, to clients that
 * trust {@link BenchTls#clientContext()}: direct messages (one spanning several TLS records) and rooms arrive
 * byte for byte, and a client offering only another suite is refused. Clients are blocking {@link SSLSocket}s
 * with read timeouts; every wait is a read of an expected line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsSeedServerTest {

    private static final int READ_TIMEOUT_MILLIS = 20_000;

    @ParameterizedTest
    @ValueSource(strings = {"chatnio-tls", "netty-tls"})
    void forwardsSeedLinesOverTls13WithThePinnedSuite(String impl) throws Exception {
        try (SeedServer server = TestServers.startOnLoopback(impl);
             Client a = Client.connect(server.address());
             Client b = Client.connect(server.address())) {
            assertThat(a.socket.getSession().getProtocol()).isEqualTo(BenchTls.PROTOCOL);
            assertThat(a.socket.getSession().getCipherSuite()).isEqualTo(BenchTls.CIPHER_SUITE);
            a.awaitRegistered();
            b.awaitRegistered();

            a.send(SeedProtocol.format(b.address()) + ":hello: over TLS");
            b.expect(a.port(), "hello: over TLS");

            String big = "x".repeat(40_000); // about three TLS records each way
            b.send(SeedProtocol.format(a.address()) + ":" + big);
            a.expect(b.port(), big);

            a.send("/join tls");
            b.send("/join tls");
            b.send(SeedProtocol.format(b.address()) + ":joined"); // lines are handled in order: b has joined
            b.expect(b.port(), "joined");
            a.send("#tls:to the room");
            b.expect(a.port(), "to the room");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"chatnio-tls", "netty-tls"})
    void refusesAClientThatOffersOnlyAnotherCipherSuite(String impl) throws Exception {
        try (SeedServer server = TestServers.startOnLoopback(impl);
             SSLSocket socket = (SSLSocket) BenchTls.clientContext().getSocketFactory().createSocket()) {
            socket.setEnabledProtocols(new String[] {BenchTls.PROTOCOL});
            socket.setEnabledCipherSuites(new String[] {"TLS_AES_256_GCM_SHA384"});
            socket.connect(server.address(), 10_000);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLHandshakeException.class);
        }
    }

    /** One blocking TLS client; the test thread only. */
    private static final class Client implements AutoCloseable {
        final SSLSocket socket;
        private final InputStream in;
        private final OutputStream out;

        private Client(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        static Client connect(InetSocketAddress server) throws IOException {
            SSLSocket s = (SSLSocket) BenchTls.clientContext().getSocketFactory().createSocket();
            try {
                s.connect(server, 10_000);
                s.setSoTimeout(READ_TIMEOUT_MILLIS);
                s.setTcpNoDelay(true);
                s.startHandshake();
                return new Client(s);
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", port());
        }

        /** A line to itself came back: the server has registered this connection (after its handshake). */
        void awaitRegistered() throws IOException {
            send(SeedProtocol.format(address()) + ":ready");
            expect(port(), "ready");
        }

        void send(String line) throws IOException {
            out.write((line + "\n").getBytes(UTF_8));
            out.flush();
        }

        /** The next line must be {@code message} delivered from {@code senderPort}. */
        void expect(int senderPort, String message) throws IOException {
            assertThat(readLine()).isEqualTo(new String(SeedProtocol.deliveredLine(senderPort, message.getBytes(UTF_8)),
                    UTF_8));
        }

        /** The next line, its {@code '\n'} included; fails on end of stream or after the read timeout. */
        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            do {
                b = in.read();
                if (b < 0) {
                    throw new IOException("end of stream after '" + line.toString(UTF_8) + "'");
                }
                line.write(b);
            } while (b != '\n');
            return line.toString(UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
