package io.chatnio.examples;

import io.chatnio.RateLimit;
import io.chatnio.Reactor;
import io.chatnio.ReactorBuilder;
import io.chatnio.ReactorException;
import io.chatnio.ReactorStats;
import io.chatnio.SlowConsumerPolicy;
import io.chatnio.TlsOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code server}: runs a {@link SeedServer} until the JVM is asked to stop (SIGTERM, Ctrl-C).
 *
 * <p><b>Threading.</b> picocli calls {@link #call()} on the main thread, which starts the server, prints the
 * {@code listening on} line and then waits for the reactor's loop thread to end. With {@code --tls-cert} and
 * {@code --tls-key} the main thread first loads them ({@link Pem}) into the listener's {@link TlsOptions}. A
 * shutdown hook thread closes the server gracefully; the routing and the TLS handshakes run on the loop thread.
 */
@Command(name = "server",
        description = {
            "Runs the seed chat server: a client sends IP:PORT:MESSAGE, the client connected from IP:PORT "
                    + "receives '<senderPort> 账户对您说:<MESSAGE> '. See docs/protocol.md.",
            "Prints 'listening on <host>:<port>' on stdout once it accepts connections; logs go to stderr. "
                    + "SIGTERM or Ctrl-C shuts it down gracefully.",
            "With --tls-cert and --tls-key the port speaks TLS 1.3 or 1.2 instead of plain TCP; everything else "
                    + "is the same. Connect with 'client --tls'."},
        // the commands are cut into lines short enough for picocli not to wrap them, so they can be pasted
        footer = {"",
            "A certificate and key for testing (PEM, the key unencrypted PKCS#8), valid for 30 days for "
                    + "localhost and 127.0.0.1:",
            "  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\",
            "    -keyout key.pem -out cert.pem -days 30 -subj /CN=localhost \\",
            "    -addext subjectAltName=DNS:localhost,IP:127.0.0.1",
            "Then: server --tls-cert cert.pem --tls-key key.pem, and client --tls --trust cert.pem. "
                    + "With keytool instead of openssl, see docs/protocol.md.",
            "A key in another format (BEGIN RSA PRIVATE KEY, BEGIN EC PRIVATE KEY, BEGIN ENCRYPTED PRIVATE KEY) "
                    + "converts to unencrypted PKCS#8 with:",
            "  " + Pem.CONVERT},
        sortOptions = false)
final class ServerCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServerCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "9999",
            description = "Port to listen on, 0..65535; 0 picks a free port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--protocol", paramLabel = "NAME", defaultValue = "seed",
            description = "seed: IP:PORT:MESSAGE direct messages; rooms: /join ROOM, /leave ROOM, "
                    + "#ROOM:MESSAGE. One of: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    SeedServer.Protocol protocol;

    @Option(names = "--framing", paramLabel = "MODE", defaultValue = "lines",
            description = "lines: a message ends at \\n (\\r\\n tolerated); raw: each read is one message, "
                    + "as sent by the original seed client. Replies end with \\n either way. "
                    + "One of: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    SeedServer.Framing framing;

    @Option(names = "--max-frame", paramLabel = "BYTES", defaultValue = "65536",
            description = "Largest inbound message in bytes, > 0 (lines: a longer line closes the connection; "
                    + "raw: the most read as one message). Default: ${DEFAULT-VALUE}.")
    int maxFrame;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "0",
            description = "Close connections that sent nothing for this long, >= 0; 0 for never. "
                    + "Default: ${DEFAULT-VALUE}.")
    long idleTimeoutSeconds;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "0",
            description = "Most connections open at once, >= 0; 0 for no limit. An excess connection "
                    + "receives 'ERR too many connections' and is closed. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--max-connections-per-ip", paramLabel = "N", defaultValue = "0",
            description = "Most connections open at once from one IP address, >= 0; 0 for no limit. An excess "
                    + "connection receives 'ERR too many connections' and is closed. Default: ${DEFAULT-VALUE}.")
    int maxConnectionsPerIp;

    @Option(names = "--rate-limit", paramLabel = "MSGS_PER_SEC", defaultValue = "0",
            description = "Most messages per second from one connection (a token bucket), >= 0; 0 for no "
                    + "limit. Default: ${DEFAULT-VALUE}.")
    double rateLimit;

    @Option(names = "--rate-burst", paramLabel = "N", defaultValue = "0",
            description = "Messages a connection may send at once above the rate, >= 0; 0 for one second's "
                    + "worth. Default: ${DEFAULT-VALUE}.")
    int rateBurst;

    @Option(names = "--rate-action", paramLabel = "ACTION", defaultValue = "SLOW_DOWN",
            description = "What a connection over its rate gets: SLOW_DOWN (stop reading until a token is due; "
                    + "nothing is lost) or DISCONNECT (one 'ERR rate limit exceeded' line, then closed). "
                    + "Default: ${DEFAULT-VALUE}.")
    RateLimit.Action rateAction;

    @Option(names = "--heartbeat", paramLabel = "SECONDS", defaultValue = "0",
            description = "Send a 'PING' line to a connection silent for this long, >= 0; 0 for no heartbeat. "
                    + "Default: ${DEFAULT-VALUE}.")
    long heartbeatSeconds;

    @Option(names = "--heartbeat-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "Close a connection that sends nothing within this long after a PING, > 0. "
                    + "Default: ${DEFAULT-VALUE}.")
    long heartbeatTimeoutSeconds;

    @Option(names = "--slow-consumer", paramLabel = "POLICY", defaultValue = "PAUSE_SENDER",
            description = "What happens to a direct message for a recipient with more than 256 KiB queued: "
                    + "PAUSE_SENDER (stop reading from the sender until the recipient drains; nothing lost), "
                    + "DISCONNECT (close the recipient), DROP_NEWEST, DROP_OLDEST. Default: ${DEFAULT-VALUE}.")
    SlowConsumerPolicy slowConsumer;

    @Option(names = "--slow-consumer-fanout", paramLabel = "POLICY", defaultValue = "DISCONNECT",
            description = "The same for room messages (--protocol rooms). Default: ${DEFAULT-VALUE}.")
    SlowConsumerPolicy slowConsumerFanout;

    @Option(names = "--stats-interval", paramLabel = "SECONDS", defaultValue = "0",
            description = "Log the server's counters every this many seconds, >= 0; 0 for never. The counters "
                    + "are also published over JMX as io.chatnio:type=Reactor. Default: ${DEFAULT-VALUE}.")
    long statsIntervalSeconds;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Speak TLS on the port, presenting this PEM certificate chain: the server's certificate "
                    + "first, then any intermediates. Needs --tls-key. Default: plain TCP.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The private key of --tls-cert's certificate: PEM, unencrypted PKCS#8 "
                    + "('BEGIN PRIVATE KEY'; RSA, EC, Ed25519 or RSASSA-PSS); see below to convert others. "
                    + "Needs --tls-cert.")
    Path tlsKey;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() throws InterruptedException {
        SeedServer.Options options = options();
        Tuning tuning = tuning();
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new ParameterException(spec.commandLine(), "Invalid option: " + (tlsCert == null
                    ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key"));
        }
        if (tlsCert != null) {
            try {
                options = options.withTls(TlsOptions.server(serverContext()));
            } catch (IOException | GeneralSecurityException e) {
                log.error("cannot use the TLS certificate or key: {}", e.getMessage());
                return 1;
            }
        }
        SeedServer server;
        try {
            server = SeedServer.start(options, tuning::apply);
        } catch (IOException | RuntimeException e) {
            log.error("cannot listen on {}:{}: {}", host, port, e.toString());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            server.close();
            log.info("stopped");
        }, "chat-nio-shutdown"));
        if (statsIntervalSeconds > 0) {
            logStatsEvery(server.reactor(), statsIntervalSeconds);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("listening on " + hostAndPort(server.address()));
        out.flush();
        try {
            server.reactor().awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
            return 0;
        } catch (ReactorException e) {
            log.error("the server failed", e);
            return 1;
        }
    }

    /** The options, validated; a bad value is a usage error (exit code 2). */
    SeedServer.Options options() {
        try {
            return new SeedServer.Options(host, port, protocol, framing, maxFrame,
                    Duration.ofSeconds(idleTimeoutSeconds), maxConnections);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ParameterException(spec.commandLine(), "Invalid option: " + e.getMessage());
        }
    }

    /** Loads {@code --tls-cert} and {@code --tls-key} and logs what the server will present. */
    private SSLContext serverContext() throws IOException, GeneralSecurityException {
        X509Certificate[] chain = Pem.certificates(tlsCert);
        PrivateKey key = Pem.privateKey(tlsKey, chain[0]);
        SSLContext context = Pem.serverContext(chain, key);
        X509Certificate leaf = chain[0];
        log.info("TLS certificate {} ({} key), {} certificate(s) in the chain, valid until {}",
                leaf.getSubjectX500Principal(), key.getAlgorithm(), chain.length, leaf.getNotAfter().toInstant());
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            log.warn("the TLS certificate is not valid now, clients will refuse it: {}", e.getMessage());
        }
        return context;
    }

    /**
     * The reactor settings beyond {@link SeedServer.Options}, as parsed: {@link #apply} gives them to a builder.
     *
     * @param maxConnectionsPerIp 0 for no cap
     * @param rateLimit           null for none
     * @param heartbeat           null for no heartbeat
     * @param heartbeatTimeout    how long a pinged connection may stay silent
     */
    record Tuning(int maxConnectionsPerIp, RateLimit rateLimit, Duration heartbeat, Duration heartbeatTimeout,
                  SlowConsumerPolicy slowConsumer, SlowConsumerPolicy slowConsumerFanout) {

        void apply(ReactorBuilder builder) {
            builder.jmx(true).slowConsumerPolicy(slowConsumer, slowConsumerFanout);
            if (maxConnectionsPerIp > 0) {
                builder.maxConnectionsPerIp(maxConnectionsPerIp);
            }
            if (rateLimit != null) {
                builder.rateLimit(rateLimit);
            }
            if (heartbeat != null) {
                builder.heartbeat(heartbeat, heartbeatTimeout, "PING".getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    /** The reactor settings beyond {@link SeedServer.Options}, validated; a bad value is a usage error. */
    Tuning tuning() {
        if (maxConnectionsPerIp < 0 || rateLimit < 0 || rateBurst < 0 || heartbeatSeconds < 0
                || heartbeatTimeoutSeconds <= 0 || statsIntervalSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "Invalid option: limits, rates, intervals must not "
                    + "be negative, and --heartbeat-timeout must be positive");
        }
        RateLimit limit = null;
        if (rateLimit > 0) {
            int burst = rateBurst > 0 ? rateBurst : (int) Math.max(1, Math.ceil(rateLimit));
            limit = new RateLimit(rateLimit, burst, rateAction);
        }
        return new Tuning(maxConnectionsPerIp, limit, heartbeatSeconds > 0 ? Duration.ofSeconds(heartbeatSeconds) : null,
                Duration.ofSeconds(heartbeatTimeoutSeconds), slowConsumer, slowConsumerFanout);
    }

    /** Logs the counters every {@code seconds}, on the loop thread, until the reactor closes. */
    private static void logStatsEvery(Reactor reactor, long seconds) {
        reactor.schedule(seconds, TimeUnit.SECONDS, new Runnable() {
            @Override
            public void run() {
                ReactorStats s = reactor.stats();
                log.info("stats: connections {} open / {} total / {} refused; messages {} in / {} out / {} dropped; "
                                + "bytes {} in / {} out; closes: {} slow, {} idle, {} bad input; "
                                + "loop {} passes, longest {} us; queued {} bytes",
                        s.connectionsOpen(), s.connectionsTotal(), s.connectionsRejected(), s.messagesIn(),
                        s.messagesOut(), s.messagesDropped(), s.bytesIn(), s.bytesOut(), s.slowConsumerCloses(),
                        s.idleCloses(), s.protocolErrors(), s.loopPasses(), s.longestPassNanos() / 1000,
                        s.pendingOutboundBytes());
                reactor.schedule(seconds, TimeUnit.SECONDS, this);
            }
        });
    }

    /** {@code 127.0.0.1:9999}, or {@code [::1]:9999} for IPv6. */
    static String hostAndPort(InetSocketAddress address) {
        String ip = address.getAddress().getHostAddress();
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }
}
