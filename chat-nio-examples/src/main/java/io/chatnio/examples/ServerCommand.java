package io.chatnio.examples;

import io.chatnio.ReactorException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
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
 * {@code listening on} line and then waits for the reactor's loop thread to end. A shutdown hook thread closes
 * the server gracefully; the routing itself runs on the loop thread.
 */
@Command(name = "server",
        description = {
            "Runs the seed chat server: a client sends IP:PORT:MESSAGE, the client connected from IP:PORT "
                    + "receives '<senderPort> 账户对您说:<MESSAGE> '. See docs/protocol.md.",
            "Prints 'listening on <host>:<port>' on stdout once it accepts connections; logs go to stderr. "
                    + "SIGTERM or Ctrl-C shuts it down gracefully."},
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

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() throws InterruptedException {
        SeedServer.Options options = options();
        SeedServer server;
        try {
            server = SeedServer.start(options);
        } catch (IOException | RuntimeException e) {
            log.error("cannot listen on {}:{}: {}", host, port, e.toString());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            server.close();
            log.info("stopped");
        }, "chat-nio-shutdown"));
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

    /** {@code 127.0.0.1:9999}, or {@code [::1]:9999} for IPv6. */
    static String hostAndPort(InetSocketAddress address) {
        String ip = address.getAddress().getHostAddress();
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }
}
