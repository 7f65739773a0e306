package io.chatnio.examples;

import io.chatnio.Connection;
import io.chatnio.ConnectionOptions;
import io.chatnio.FrameCodec;
import io.chatnio.Handler;
import io.chatnio.Reactor;
import io.chatnio.TlsOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code client}: a line-based terminal client built on the library itself. Each line of stdin is sent
 * "\n"-terminated; each line the server sends is copied to stdout, byte for byte, except the server's heartbeat,
 * which the client answers itself ({@link ReceivedLines}: {@code PING} with {@code PONG}, in the seed protocol or
 * in IRC, as {@code --protocol} says).
 *
 * <p>The connection is an outbound {@link Reactor#connect} of a one-connection reactor, framed raw (reads are cut
 * into lines by {@link ReceivedLines}; lines are sent with their "\n"), so the output is what the server wrote.
 * With {@code --tls} it is a TLS connection ({@link TlsOptions#client}) whose server name is {@code --host}.
 *
 * <p><b>Threading.</b> picocli calls {@link #call()} on the main thread, which builds the TLS context if asked
 * ({@link Pem}), resolves {@code --host}, connects (the TLS handshake runs on the reactor's loop thread), then
 * starts a daemon
 * thread {@code client-stdin} that sends each line with {@link Connection#send} (any thread) and waits
 * while the connection is unwritable, so a large piped input cannot queue without bound. The reactor's loop
 * thread prints what arrives and answers the heartbeat. The main thread waits until the server closes, or until stdin ends; then it
 * half-closes ({@link Connection#shutdownOutput}) and waits up to {@code --grace} for the server to close.
 */
@Command(name = "client",
        description = {"Sends each line of stdin to the server (\\n-terminated) and prints what it receives. "
                + "Exits on end of input or when the server closes.",
            "It answers the server's heartbeat itself and does not print it: with --protocol irc a 'PING :x' "
                    + "line gets 'PONG :x'; with --protocol seed the heartbeat's 'PING' gets 'PONG', and the one "
                    + "'ERR expected IP:PORT:MESSAGE' line the seed server answers it with is not printed either.",
            "With --tls it speaks TLS 1.3 or 1.2 to a 'server --tls-cert ... --tls-key ...'. The server's "
                    + "certificate must be trusted (--trust FILE, or by default the JDK's trust store) and name "
                    + "--host; --insecure skips both checks."},
        sortOptions = false)
final class ClientCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ClientCommand.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Server address. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "9999",
            description = "Server port, 1..65535. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--protocol", paramLabel = "NAME", defaultValue = "seed",
            description = "What the server speaks, for answering its heartbeat: seed or irc. "
                    + "Default: ${DEFAULT-VALUE}.")
    Protocol protocol;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "2",
            description = "After end of input, how long to wait for the server to close, >= 0. "
                    + "Default: ${DEFAULT-VALUE}.")
    int graceSeconds;

    @Option(names = "--tls",
            description = "Speak TLS: verify the server's certificate with --trust, or by default with the JDK's "
                    + "trust store (lib/security/cacerts), and check that it names --host.")
    boolean tls;

    @Option(names = "--trust", paramLabel = "FILE",
            description = "With --tls: trust only the certificates in this PEM file, a CA's or the server's own "
                    + "self-signed certificate.")
    Path trust;

    @Option(names = "--insecure",
            description = "With --tls: accept any certificate and any name, for a test server's self-signed "
                    + "certificate. Insecure: no protection against a man in the middle.")
    boolean insecure;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** Counts down when the server closes the connection (or it fails). */
    private final CountDownLatch serverClosed = new CountDownLatch(1);
    /** Counts down when either the server closed or stdin ended. */
    private final CountDownLatch anyEnded = new CountDownLatch(1);
    /** Notified when the connection becomes writable again or closes; the stdin thread waits on it. */
    private final Object writable = new Object();

    @Override
    public Integer call() throws InterruptedException {
        Usage.require(spec, port >= 1 && port <= 65535, "--port", port, "a port number, 1 to 65535");
        Usage.requireSeconds(spec, graceSeconds, true, "--grace", "to exit at once");
        if ((trust != null || insecure) && !tls) {
            throw new ParameterException(spec.commandLine(), "Options '--trust' and '--insecure' need '--tls'");
        }
        if (trust != null && insecure) {
            throw new ParameterException(spec.commandLine(), "Options '--trust' and '--insecure' exclude each other");
        }
        InetSocketAddress address = new InetSocketAddress(Usage.resolve(spec, host), port); // never on the loop
        ConnectionOptions options = ConnectionOptions.defaults().withConnectTimeout(CONNECT_TIMEOUT);
        if (tls) {
            try {
                options = options.withTls(tlsOptions());
            } catch (IOException | GeneralSecurityException e) {
                log.error("cannot use TLS: {}", e.getMessage());
                return 1;
            }
        }
        Reactor reactor = Reactor.builder()
                .codec(FrameCodec.raw(64 * 1024))
                .handler(new Printer())
                .threadName("chat-nio-client")
                .daemon(true)
                .start();
        try {
            Connection connection;
            try {
                connection = reactor.connect(address, options).get(CONNECT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                log.error("cannot connect to {}:{}: {}", host, port, cause.toString());
                return 1;
            }
            log.info("connected to {} from {}{}", connection.remoteAddress(), connection.localAddress(),
                    connection.tls() == null ? "" : " over " + connection.tls().protocol() + " with "
                            + connection.tls().cipherSuite());
            Thread stdin = new Thread(() -> sendStdinLines(connection), "client-stdin");
            stdin.setDaemon(true);
            stdin.start();
            anyEnded.await();
            if (serverClosed.getCount() > 0 && !serverClosed.await(graceSeconds, TimeUnit.SECONDS)) {
                log.info("the server did not close within {} s; closing", graceSeconds);
            }
            return 0;
        } finally {
            reactor.close(Duration.ofSeconds(1));
        }
    }

    /** The client side of TLS for {@code --host}, trusting as {@code --trust} or {@code --insecure} say. */
    private TlsOptions tlsOptions() throws IOException, GeneralSecurityException {
        if (insecure) {
            return TlsOptions.client(Pem.insecureClientContextTrustingAnyCertificate()).withServerName(host)
                    .withHostnameVerification(false);
        }
        SSLContext context = trust != null ? Pem.clientContext(trust) : SSLContext.getDefault();
        return TlsOptions.client(context).withServerName(host);
    }

    /** Prints what the server sends, answers its heartbeat, and notices when it closes. Loop thread only. */
    private final class Printer implements Handler {
        /** Set on open; used on the loop thread only. */
        private ReceivedLines lines;

        @Override
        public void onOpen(Connection connection) {
            lines = new ReceivedLines(protocol, line -> connection.send(line + "\n"), System.out);
        }

        @Override
        public void onMessage(Connection connection, ByteBuffer payload) {
            lines.received(payload);
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            lines.end();
            if (cause == null) {
                log.info("the server closed the connection");
            } else {
                log.warn("connection closed: {}", cause.toString());
            }
            serverClosed.countDown();
            anyEnded.countDown();
            wakeStdinThread();
        }

        @Override
        public void onWritabilityChanged(Connection connection) {
            wakeStdinThread();
        }
    }

    private void wakeStdinThread() {
        synchronized (writable) {
            writable.notifyAll();
        }
    }

    /** Sends each stdin line "\n"-terminated; at end of input half-closes. The stdin thread. */
    private void sendStdinLines(Connection connection) {
        try {
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = stdin.readLine()) != null && connection.isOpen(); ) {
                awaitWritable(connection);
                connection.send(line + "\n");
            }
            connection.shutdownOutput();
        } catch (IOException e) {
            log.debug("reading stdin stopped: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            anyEnded.countDown();
        }
    }

    /** Waits while the server has not taken what was sent before (above the high watermark). */
    private void awaitWritable(Connection connection) throws InterruptedException {
        synchronized (writable) {
            while (!connection.isWritable() && connection.isOpen()) {
                writable.wait(1000); // notified by the loop; the timeout only guards a missed notice
            }
        }
    }
}
