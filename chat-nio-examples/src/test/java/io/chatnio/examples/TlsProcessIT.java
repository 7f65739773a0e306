package io.chatnio.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar's {@code server --tls-cert --tls-key} as a real process, with a certificate issued by a test CA
 * ({@link TestCerts}), and as its clients: JDK {@link SSLSocket}s of this test, the jar's own
 * {@code client --tls}, and {@code openssl s_client} when openssl is on the PATH. Runs after {@code package}
 * (failsafe), like {@link JarProcessIT}. Every wait is bounded; every process started here is destroyed when its
 * try-with-resources block ends.
 *
 * <p>Threads: the JUnit thread drives the processes and the sockets; one daemon thread per process reads its
 * stdout ({@link Started}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsProcessIT {
    private static final long WAIT_SECONDS = 20;
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern DELIVERED = Pattern.compile("(\\d+) \u8d26\u6237\u5bf9\u60a8\u8bf4:(.*) \n",
            Pattern.DOTALL);

    @TempDir
    static Path dir;
    private static TestCerts.Issued certs;
    /** Trusts the test CA only. */
    private static SSLContext trustingTheCa;
    private static final AtomicInteger processes = new AtomicInteger();

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCerts.issued(dir);
        trustingTheCa = Pem.clientContext(certs.ca());
    }

    @Test
    void jdkClientsExchangeSeedLinesThroughTheTlsServer() throws Exception {
        try (Started server = tlsServer()) {
            int port = server.listeningPort();
            try (TlsClient a = TlsClient.register(port, trustingTheCa);
                 TlsClient b = TlsClient.register(port, trustingTheCa)) {
                assertThat(a.protocol()).isEqualTo("TLSv1.3");

                a.send("127.0.0.1:" + b.port() + ":hello: over TLS\n");
                b.expect(TestClient.delivered(a.port(), "hello: over TLS"));
                b.send("127.0.0.1:" + a.port() + ":你好\n");
                a.expect(TestClient.delivered(b.port(), "你好"));
                a.send("127.0.0.1:1:anyone?\n");
                a.expect(TestClient.OFFLINE);
                a.send("hello\n");
                assertThat(new String(a.readLine(), UTF_8)).isEqualTo("ERR expected IP:PORT:MESSAGE\n");
            }
        }
    }

    @Test
    void tls12IsServedToo() throws Exception {
        try (Started server = tlsServer();
             TlsClient a = TlsClient.register(server.listeningPort(), trustingTheCa, "TLSv1.2")) {
            assertThat(a.protocol()).isEqualTo("TLSv1.2");
        }
    }

    @Test
    void ircIsServedOverTls() throws Exception {
        try (Started server = tlsServer("--protocol", "irc")) {
            int port = server.listeningPort();
            try (TlsClient a = TlsClient.connect(port, trustingTheCa);
                 TlsClient b = TlsClient.connect(port, trustingTheCa)) {
                for (TlsClient c : List.of(a, b)) {
                    String nick = c == a ? "a" : "b";
                    c.send("NICK " + nick + "\r\nUSER " + nick + " 0 * :" + nick + "\r\nJOIN #tls\r\n");
                    String line;
                    do {
                        line = new String(c.readLine(), UTF_8);
                    } while (!line.contains(" 366 "));
                    assertThat(line).isEqualTo(":chat-nio.local 366 " + nick + " #tls :End of /NAMES list\r\n");
                }
                assertThat(new String(a.readLine(), UTF_8)).isEqualTo(":b!b@127.0.0.1 JOIN #tls\r\n");
                a.send("PRIVMSG #tls :hello over TLS\r\n");
                assertThat(new String(b.readLine(), UTF_8)).isEqualTo(":a!a@127.0.0.1 PRIVMSG #tls :hello over TLS\r\n");
            }
        }
    }

    @Test
    void clientProcessTalksThroughTheTlsServer() throws Exception {
        try (Started server = tlsServer()) {
            int port = server.listeningPort();
            try (TlsClient target = TlsClient.register(port, trustingTheCa);
                 Started client = jar("client", "--port", Integer.toString(port), "--tls", "--trust",
                         certs.ca().toString())) {
                client.stdin().write(("127.0.0.1:" + target.port() + ":from the client process\n").getBytes(UTF_8));
                client.stdin().flush();
                Matcher first = DELIVERED.matcher(new String(target.readLine(), UTF_8));
                assertThat(first.matches()).as("delivered line").isTrue();
                assertThat(first.group(2)).isEqualTo("from the client process");
                int clientPort = Integer.parseInt(first.group(1));

                target.send("127.0.0.1:" + clientPort + ":pong: 你好\n");
                assertThat(client.nextLine()).isEqualTo(TestClient.delivered(target.port(), "pong: 你好"));

                client.stdin().close(); // end of input: the client half-closes, the server closes, it exits
                assertThat(client.exitCode()).as(client.stderr()).isZero();
                assertThat(client.stderr()).contains("TLSv1.3");
            }
        }
    }

    @Test
    void clientProcessVerifiesTheCertificateUnlessInsecure() throws Exception {
        try (Started server = tlsServer()) {
            String port = Integer.toString(server.listeningPort());
            // the JDK's own trust store does not know the test CA
            try (Started untrusting = jar("client", "--port", port, "--tls")) {
                assertThat(untrusting.exitCode()).as(untrusting.stderr()).isEqualTo(1);
                assertThat(untrusting.stderr()).contains("cannot connect to 127.0.0.1:" + port);
            }
            try (Started insecure = jar("client", "--port", port, "--tls", "--insecure")) {
                insecure.stdin().write("127.0.0.1:1:anyone?\n".getBytes(UTF_8));
                insecure.stdin().flush();
                assertThat(insecure.nextLine()).isEqualTo(TestClient.OFFLINE);
                insecure.stdin().close();
                assertThat(insecure.exitCode()).as(insecure.stderr()).isZero();
                assertThat(insecure.stderr()).contains("WARN", "verification is OFF");
            }
        }
    }

    @Test
    void opensslClientSpeaksTls13ToTheServer() throws Exception {
        Assumptions.assumeTrue(opensslRuns(), "openssl is not on the PATH");
        try (Started server = tlsServer()) {
            int port = server.listeningPort();
            try (TlsClient a = TlsClient.register(port, trustingTheCa);
                 Started openssl = command("openssl", "openssl", "s_client", "-connect", "127.0.0.1:" + port,
                         "-tls1_3", "-CAfile", certs.ca().toString(), "-servername", "localhost",
                         "-verify_hostname", "localhost", "-verify_return_error", "-quiet")) {
                openssl.stdin().write(("127.0.0.1:" + a.port() + ":from openssl\n").getBytes(UTF_8));
                openssl.stdin().flush();
                Matcher delivered = DELIVERED.matcher(new String(a.readLine(), UTF_8));
                assertThat(delivered.matches()).as("delivered line").isTrue();
                assertThat(delivered.group(2)).isEqualTo("from openssl");

                a.send("127.0.0.1:" + delivered.group(1) + ":to openssl\n");
                assertThat(openssl.nextLine()).isEqualTo(TestClient.delivered(a.port(), "to openssl"));
            }
        }
    }

    @Test
    void tls11IsRefused() throws Exception {
        try (Started server = tlsServer()) {
            int port = server.listeningPort();
            if (jdkAllows("TLSv1.1")) {
                assertThatThrownBy(() -> TlsClient.connect(port, trustingTheCa, "TLSv1.1"))
                        .isInstanceOf(SSLException.class)
                        .hasMessageContaining("protocol_version");
            } else {
                Assumptions.assumeTrue(opensslRuns(),
                        "this JDK disables TLSv1.1 (jdk.tls.disabledAlgorithms) and openssl is not on the PATH");
                try (Started openssl = command("openssl", "openssl", "s_client", "-connect", "127.0.0.1:" + port,
                        "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", "-quiet")) {
                    openssl.stdin().close();
                    assertThat(openssl.exitCode()).as(openssl.stderr()).isNotZero();
                    assertThat(openssl.stderr()).as("refused by the server").contains("alert protocol version");
                }
            }
            try (TlsClient after = TlsClient.register(port, trustingTheCa)) {
                assertThat(after.protocol()).as("the server still serves").isEqualTo("TLSv1.3");
            }
        }
    }

    @Test
    void unusableFilesStopTheServerWithOneLine() throws Exception {
        Path missing = dir.resolve("missing.pem");
        try (Started server = jar("server", "--port", "0", "--tls-cert", missing.toString(), "--tls-key",
                certs.key().toString())) {
            assertThat(server.exitCode()).isEqualTo(1);
            assertThat(server.stderr().lines()).singleElement().asString().contains(missing + ": no such file");
        }
        // the key is not the CA certificate's
        try (Started server = jar("server", "--port", "0", "--tls-cert", certs.ca().toString(), "--tls-key",
                certs.key().toString())) {
            assertThat(server.exitCode()).isEqualTo(1);
            assertThat(server.stderr().lines()).singleElement().asString().contains("does not belong");
        }
    }

    /** {@code server --port 0} with the test CA's server certificate, and {@code more} options. */
    private static Started tlsServer(String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("server", "--port", "0", "--tls-cert", certs.chain().toString(),
                "--tls-key", certs.key().toString()));
        args.addAll(List.of(more));
        return jar(args.toArray(String[]::new));
    }

    /** Whether the JDK lets a client enable {@code protocol} (it may be in {@code jdk.tls.disabledAlgorithms}). */
    private static boolean jdkAllows(String protocol) {
        String disabled = Security.getProperty("jdk.tls.disabledAlgorithms");
        return disabled == null || Arrays.stream(disabled.split(",")).map(String::trim)
                .noneMatch(protocol::equalsIgnoreCase);
    }

    private static boolean opensslRuns() throws InterruptedException {
        try (Started version = command("openssl-version", "openssl", "version")) {
            return version.exitCode() == 0;
        } catch (IOException e) {
            return false; // not found
        }
    }

    private static Started jar(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jarFile().toString()));
        command.addAll(List.of(args));
        return new Started(args[0], command);
    }

    private static Started command(String name, String... command) throws IOException {
        return new Started(name, List.of(command));
    }

    private static Path jarFile() {
        Path jar = Path.of(System.getProperty("chatnio.examples.jar", "target/chat-nio-examples.jar"));
        assertThat(jar).as("the shaded jar (built by package)").isRegularFile();
        return jar;
    }

    /**
     * A process started here: its stdout cut into lines ("\n" kept) by a daemon thread so that every read can
     * time out, its stderr in a file. {@link #close()} destroys it.
     */
    private static final class Started implements AutoCloseable {
        private final String name;
        private final Process process;
        private final Path stderr;
        private final StdoutLines lines;

        Started(String name, List<String> command) throws IOException {
            this.name = name;
            this.stderr = dir.resolve(name + "-" + processes.incrementAndGet() + ".stderr");
            this.process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
            this.lines = new StdoutLines(process.getInputStream(), name + "-stdout");
        }

        OutputStream stdin() {
            return process.getOutputStream();
        }

        byte[] nextLine() throws InterruptedException {
            byte[] line = lines.poll(WAIT_SECONDS);
            assertThat(line).as("a line on the %s's stdout within %d s; stderr: %s", name, WAIT_SECONDS, stderr())
                    .isNotNull();
            return line;
        }

        int listeningPort() throws InterruptedException {
            String line = new String(nextLine(), UTF_8);
            Matcher m = LISTENING.matcher(line);
            assertThat(m.find()).as("first stdout line: " + line).isTrue();
            return Integer.parseInt(m.group(1));
        }

        /** Waits up to {@link #WAIT_SECONDS} for the process to end by itself. */
        int exitCode() throws InterruptedException {
            assertThat(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("%s exited; stderr: %s", name, stderr())
                    .isTrue();
            return process.exitValue();
        }

        String stderr() {
            try {
                return Files.readString(stderr, UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /**
     * A blocking TLS client of the seed protocol, as {@link TestClient} is a plain one: it verifies the server's
     * certificate for {@code localhost} (sent as SNI) and every read times out. One thread at a time.
     */
    private static final class TlsClient implements AutoCloseable {
        private final SSLSocket socket;
        private final InputStream in;

        private TlsClient(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
        }

        /** Connects and completes the handshake, with only {@code protocols} enabled if any are given. */
        static TlsClient connect(int port, SSLContext context, String... protocols) throws IOException {
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
            try {
                socket.setSoTimeout(TIMEOUT_MILLIS);
                socket.setTcpNoDelay(true);
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                parameters.setServerNames(List.of(new SNIHostName("localhost")));
                if (protocols.length > 0) {
                    parameters.setProtocols(protocols);
                }
                socket.setSSLParameters(parameters);
                socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
                socket.startHandshake();
                return new TlsClient(socket);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        /** Connects, then sends a message to itself and reads it back: the server has registered it. */
        static TlsClient register(int port, SSLContext context, String... protocols) throws IOException {
            TlsClient c = connect(port, context, protocols);
            c.send("127.0.0.1:" + c.port() + ":ping\n");
            c.expect(TestClient.delivered(c.port(), "ping"));
            return c;
        }

        int port() {
            return socket.getLocalPort();
        }

        String protocol() {
            return socket.getSession().getProtocol();
        }

        void send(String text) throws IOException {
            socket.getOutputStream().write(text.getBytes(UTF_8));
            socket.getOutputStream().flush();
        }

        /** The bytes up to and including the next "\n". */
        byte[] readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) >= 0; ) {
                line.write(b);
                if (b == '\n') {
                    return line.toByteArray();
                }
            }
            throw new EOFException("closed after " + line.size() + " bytes: " + line.toString(UTF_8));
        }

        void expect(byte[] expected) throws IOException {
            assertThat(new String(readLine(), UTF_8)).isEqualTo(new String(expected, UTF_8));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
