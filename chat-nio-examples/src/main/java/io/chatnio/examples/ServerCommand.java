package io.chatnio.examples;

import ch.qos.logback.classic.Level;
import io.chatnio.RateLimit;
import io.chatnio.Reactor;
import io.chatnio.ReactorBuilder;
import io.chatnio.ReactorException;
import io.chatnio.ReactorStats;
import io.chatnio.SlowConsumerPolicy;
import io.chatnio.TlsOptions;
import io.chatnio.examples.irc.IrcServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
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
 * {@code server}: runs a {@link SeedServer} ({@code --protocol seed}) or an {@link IrcServer}
 * ({@code --protocol irc}) until the JVM is asked to stop (SIGTERM, Ctrl-C).
 *
 * <p><b>Threading.</b> picocli calls {@link #call()} on the main thread, which validates the options (a bad value
 * is a one-line usage error, {@link Usage}), resolves {@code --host}, loads the TLS files if given ({@link Pem}),
 * starts the server, prints the {@code listening on} line and then waits for the reactor's loop thread to end.
 * A shutdown hook thread closes the server gracefully; the protocol, the TLS handshakes and the periodic stats
 * line run on the loop thread.
 */
@Command(name = "server",
        description = {
            "Runs an example chat server on one selector thread. It speaks one of two protocols (--protocol):",
            "  seed (the default): a client sends IP:PORT:MESSAGE; the client connected from IP:PORT receives "
                    + "'<senderPort> 账户对您说:<MESSAGE> '. Bad input gets one 'ERR <reason>' line.",
            "  irc: an IRC server for clients such as irssi, WeeChat or ii, or nc: registration (CAP, NICK, USER, "
                    + "PASS), JOIN, PART, PRIVMSG, NOTICE, TOPIC, NAMES, LIST, WHO, WHOIS, MODE (+n +t +o, +i), "
                    + "KICK, AWAY, MOTD, PING, QUIT; lines of at most 512 bytes; every error a numeric.",
            "See docs/protocol.md for both. Prints 'listening on <host>:<port>' on stdout once it accepts "
                    + "connections; logs go to stderr. SIGTERM or Ctrl-C shuts it down gracefully.",
            "With --tls-cert and --tls-key the port speaks TLS 1.3 or 1.2 instead of plain TCP; everything else "
                    + "is the same. Connect with 'client --tls'."},
        // the commands are cut into lines short enough for picocli not to wrap them, so they can be pasted
        footer = {"",
            "Try it with IRC: 'server --protocol irc', then 'nc 127.0.0.1 9999' and type",
            "  NICK a",
            "  USER a 0 * :A",
            "  JOIN #x",
            "  PRIVMSG #x :hi",
            "or point irssi ('/connect 127.0.0.1 9999') or WeeChat ('/server add local 127.0.0.1/9999 -notls') at it.",
            "",
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
            description = "Address to listen on: an IP address or a host name of this machine. "
                    + "Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "9999",
            description = "Port to listen on, 0..65535; 0 picks a free port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--protocol", paramLabel = "NAME", defaultValue = "seed",
            description = "seed: IP:PORT:MESSAGE direct messages; irc: an IRC server (see above). "
                    + "One of: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    Protocol protocol;

    @Option(names = "--framing", paramLabel = "MODE", defaultValue = "lines",
            description = "seed only. lines: a message ends at \\n (\\r\\n tolerated); raw: each read is one "
                    + "message, as sent by the original seed client. Replies end with \\n either way. "
                    + "One of: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    SeedServer.Framing framing;

    @Option(names = "--max-frame", paramLabel = "BYTES", defaultValue = "65536",
            description = "seed only. Largest inbound message in bytes, >= 1 (lines: a longer line closes the "
                    + "connection; raw: the most read as one message). IRC lines are at most 512 bytes. "
                    + "Default: ${DEFAULT-VALUE}.")
    int maxFrame;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "0",
            description = "seed: close connections that sent nothing for this long. irc: send PING to a client "
                    + "silent for half this long and close it if it has still sent nothing at the end (unless "
                    + "--heartbeat is set, which then decides the PINGs). >= 0; 0 for never. "
                    + "Default: ${DEFAULT-VALUE}.")
    long idleTimeoutSeconds;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "0",
            description = "Most connections open at once, >= 0; 0 for no limit. An excess connection receives "
                    + "'ERR too many connections' (irc: an ERROR line) and is closed. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--max-connections-per-ip", paramLabel = "N", defaultValue = "0",
            description = "Most connections open at once from one IP address, >= 0; 0 for no limit. Handled like "
                    + "--max-connections. Default: ${DEFAULT-VALUE}.")
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
                    + "nothing is lost) or DISCONNECT (one 'ERR rate limit exceeded' line, irc: an ERROR line, "
                    + "then closed). Default: ${DEFAULT-VALUE}.")
    RateLimit.Action rateAction;

    @Option(names = "--heartbeat", paramLabel = "SECONDS", defaultValue = "0",
            description = "Send a PING line to a connection silent for this long, >= 0; 0 for no heartbeat. "
                    + "seed: 'PING'; irc: 'PING :<server>'. Any line back counts as an answer. "
                    + "Default: ${DEFAULT-VALUE}.")
    long heartbeatSeconds;

    @Option(names = "--heartbeat-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "Close a connection that sends nothing within this long after a PING, >= 1. "
                    + "Default: ${DEFAULT-VALUE}.")
    long heartbeatTimeoutSeconds;

    @Option(names = "--slow-consumer", paramLabel = "POLICY", defaultValue = "PAUSE_SENDER",
            description = "What happens to a message for one recipient with more than 256 KiB queued: "
                    + "PAUSE_SENDER (stop reading from the sender until the recipient drains; nothing lost), "
                    + "DISCONNECT (close the recipient), DROP_NEWEST, DROP_OLDEST. Default: ${DEFAULT-VALUE}.")
    SlowConsumerPolicy slowConsumer;

    @Option(names = "--slow-consumer-fanout", paramLabel = "POLICY", defaultValue = "DISCONNECT",
            description = "The same for a message to many recipients (irc: a channel message, JOIN, PART, QUIT, "
                    + "NICK...). Default: ${DEFAULT-VALUE}.")
    SlowConsumerPolicy slowConsumerFanout;

    @Option(names = "--stats-interval", paramLabel = "SECONDS", defaultValue = "0",
            description = "Log a one-line summary of the server's counters (irc: and its clients and channels) "
                    + "at INFO every this many seconds, >= 0; 0 for never. The counters are also published over "
                    + "JMX as io.chatnio:type=Reactor. Default: ${DEFAULT-VALUE}.")
    long statsIntervalSeconds;

    @Option(names = {"-v", "--verbose"},
            description = "Log at DEBUG too: each connection's open and close, and the library's own debug lines.")
    boolean verbose;

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
        Tuning tuning = tuning();
        SeedServer.Options seed = protocol == Protocol.SEED ? options() : null;
        IrcServer.Options irc = protocol == Protocol.IRC ? ircOptions(tuning) : null;
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new ParameterException(spec.commandLine(), tlsCert == null
                    ? "Option '--tls-key' needs '--tls-cert'" : "Option '--tls-cert' needs '--tls-key'");
        }
        Usage.resolve(spec, host);
        if (verbose) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.chatnio")).setLevel(Level.DEBUG);
        }
        if (tlsCert != null) {
            try {
                TlsOptions tls = TlsOptions.server(serverContext());
                seed = seed == null ? null : seed.withTls(tls);
                irc = irc == null ? null : irc.withTls(tls);
            } catch (IOException | GeneralSecurityException e) {
                log.error("cannot use the TLS certificate or key: {}", e.getMessage());
                return 1;
            }
        }
        ExampleServer server;
        try {
            server = seed != null
                    ? SeedServer.start(seed, b -> tuning.apply(b, SEED_PING))
                    : IrcServer.start(irc, b -> tuning.apply(b, null));
        } catch (IOException | RuntimeException e) {
            log.error("cannot listen on {}:{}: {}", host, port, bindFailure(e));
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            server.close();
            log.info("stopped");
        }, "chat-nio-shutdown"));
        if (statsIntervalSeconds > 0) {
            logStatsEvery(server, statsIntervalSeconds);
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

    /** The seed protocol's heartbeat line (the codec adds "\n"). */
    private static final byte[] SEED_PING = "PING".getBytes(StandardCharsets.US_ASCII);

    /** Why binding failed, as a sentence. */
    private static String bindFailure(Exception e) {
        if (e instanceof BindException) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("in use")) {
                return m + " (another server on that port? --port 0 picks a free one)";
            }
            if (m.contains("assign")) {
                return m + " (--host must be an address of this machine)";
            }
            return m;
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** The seed server's options, validated; a bad value is a usage error (exit code 2). */
    SeedServer.Options options() {
        checkCommon();
        Usage.require(spec, maxFrame >= 1 && maxFrame <= Integer.MAX_VALUE - 2, "--max-frame", maxFrame,
                "a number of bytes, 1 to " + (Integer.MAX_VALUE - 2));
        return new SeedServer.Options(host, port, framing, maxFrame, Duration.ofSeconds(idleTimeoutSeconds),
                maxConnections);
    }

    /**
     * The IRC server's options, validated. Its liveness checks are PINGs: with {@code --heartbeat} they follow it
     * (and {@code --idle-timeout}, if set, still closes a connection silent that long); with only
     * {@code --idle-timeout T}, a client silent for T/2 is pinged and closed if it stays silent until T.
     */
    IrcServer.Options ircOptions(Tuning tuning) {
        checkCommon();
        if (spec.commandLine().getParseResult() != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--framing") && framing != SeedServer.Framing.LINES) {
                Usage.require(spec, false, "--framing", framing, "irc lines end with CR LF or LF: only 'lines'");
            }
            Usage.require(spec, !spec.commandLine().getParseResult().hasMatchedOption("--max-frame"), "--max-frame",
                    maxFrame, "seed only: irc lines are at most 512 bytes with their CR LF");
        }
        IrcServer.Options options = IrcServer.Options.defaults().withHost(host).withPort(port)
                .withMaxConnections(maxConnections);
        Duration idle = Duration.ofSeconds(idleTimeoutSeconds);
        if (tuning.heartbeat() != null) {
            return options.withPings(tuning.heartbeat(), tuning.heartbeatTimeout()).withIdleTimeout(idle);
        }
        if (!idle.isZero()) {
            Duration half = idle.dividedBy(2);
            return options.withPings(half, idle.minus(half));
        }
        return options;
    }

    private void checkCommon() {
        Usage.require(spec, port >= 0 && port <= 65535, "--port", port, "a port number, 0 to 65535; 0 picks a free port");
        Usage.requireSeconds(spec, idleTimeoutSeconds, true, "--idle-timeout", "for never");
        Usage.require(spec, maxConnections >= 0, "--max-connections", maxConnections, "a count >= 0; 0 for no limit");
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
     * The reactor settings beyond the servers' options, as parsed: {@link #apply} gives them to a builder.
     *
     * @param maxConnectionsPerIp 0 for no cap
     * @param rateLimit           null for none
     * @param heartbeat           null for no heartbeat
     * @param heartbeatTimeout    how long a pinged connection may stay silent
     */
    record Tuning(int maxConnectionsPerIp, RateLimit rateLimit, Duration heartbeat, Duration heartbeatTimeout,
                  SlowConsumerPolicy slowConsumer, SlowConsumerPolicy slowConsumerFanout) {

        /** Applies the settings; the heartbeat too if {@code ping} is given (the IRC server sets its own). */
        void apply(ReactorBuilder builder, byte[] ping) {
            builder.jmx(true).slowConsumerPolicy(slowConsumer, slowConsumerFanout);
            if (maxConnectionsPerIp > 0) {
                builder.maxConnectionsPerIp(maxConnectionsPerIp);
            }
            if (rateLimit != null) {
                builder.rateLimit(rateLimit);
            }
            if (heartbeat != null && ping != null) {
                builder.heartbeat(heartbeat, heartbeatTimeout, ping);
            }
        }
    }

    /** The reactor settings beyond the servers' options, validated; a bad value is a usage error. */
    Tuning tuning() {
        Usage.require(spec, maxConnectionsPerIp >= 0, "--max-connections-per-ip", maxConnectionsPerIp,
                "a count >= 0; 0 for no limit");
        Usage.require(spec, rateLimit >= 0 && rateLimit <= 1e9, "--rate-limit", rateLimit,
                "messages per second, 0 to 1000000000; 0 for no limit");
        Usage.require(spec, rateBurst >= 0, "--rate-burst", rateBurst, "a count >= 0; 0 for one second's worth");
        Usage.requireSeconds(spec, heartbeatSeconds, true, "--heartbeat", "for no heartbeat");
        Usage.requireSeconds(spec, heartbeatTimeoutSeconds, false, "--heartbeat-timeout", "");
        Usage.requireSeconds(spec, statsIntervalSeconds, true, "--stats-interval", "for never");
        RateLimit limit = null;
        if (rateLimit > 0) {
            int burst = rateBurst > 0 ? rateBurst : (int) Math.max(1, Math.ceil(rateLimit));
            limit = new RateLimit(rateLimit, burst, rateAction);
        }
        return new Tuning(maxConnectionsPerIp, limit, heartbeatSeconds > 0 ? Duration.ofSeconds(heartbeatSeconds) : null,
                Duration.ofSeconds(heartbeatTimeoutSeconds), slowConsumer, slowConsumerFanout);
    }

    /** Logs the counters (and the protocol's summary) every {@code seconds}, on the loop thread, until it closes. */
    private static void logStatsEvery(ExampleServer server, long seconds) {
        Reactor reactor = server.reactor();
        reactor.schedule(seconds, TimeUnit.SECONDS, new Runnable() {
            @Override
            public void run() {
                ReactorStats s = reactor.stats();
                String summary = server.summary();
                log.info("stats: connections {} open / {} total / {} refused; messages {} in / {} out / {} dropped; "
                                + "bytes {} in / {} out; closes: {} slow, {} idle, {} bad input; "
                                + "loop {} passes, longest {} us; queued {} bytes{}",
                        s.connectionsOpen(), s.connectionsTotal(), s.connectionsRejected(), s.messagesIn(),
                        s.messagesOut(), s.messagesDropped(), s.bytesIn(), s.bytesOut(), s.slowConsumerCloses(),
                        s.idleCloses(), s.protocolErrors(), s.loopPasses(), s.longestPassNanos() / 1000,
                        s.pendingOutboundBytes(), summary.isEmpty() ? "" : "; " + summary);
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
