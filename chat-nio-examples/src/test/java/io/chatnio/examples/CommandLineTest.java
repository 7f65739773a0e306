package io.chatnio.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.examples.irc.IrcServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Argument parsing of the subcommands, without starting anything that stays up: every case that could start a
 * server fails before it listens. Runs on the JUnit thread only.
 */
class CommandLineTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private static ServerCommand server(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "server";
        System.arraycopy(args, 0, all, 1, args.length);
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(all);
        return parsed.subcommand().commandSpec().commandLine().getCommand();
    }

    @Test
    void serverHelpDocumentsEveryOptionAndBothProtocols() {
        assertThat(run("server", "--help")).isZero();
        String help = out.toString().replaceAll("\\s+", " "); // undo the wrapping
        assertThat(help).contains("--host", "--port", "--protocol", "--framing", "--max-frame", "--idle-timeout",
                "--max-connections", "--max-connections-per-ip", "--rate-limit", "--rate-burst", "--rate-action",
                "--heartbeat", "--heartbeat-timeout", "--slow-consumer", "--slow-consumer-fanout", "--stats-interval",
                "--verbose", "--tls-cert", "--tls-key", "--help", "listening on", "ERR too many connections",
                "seed (the default): a client sends IP:PORT:MESSAGE", "irc: an IRC server", "irssi", "WeeChat",
                "PRIVMSG", "512 bytes", "One of: seed, irc", "docs/protocol.md",
                "openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
        assertThat(help).doesNotContain("rooms");
        // the commands, unwrapped, in lines that can be pasted into a shell or nc
        String eol = System.lineSeparator();
        assertThat(out.toString()).contains(
                "  NICK a" + eol, "  USER a 0 * :A" + eol, "  JOIN #x" + eol, "  PRIVMSG #x :hi" + eol,
                "  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\" + eol,
                "    -keyout key.pem -out cert.pem -days 30 -subj /CN=localhost \\" + eol,
                "    -addext subjectAltName=DNS:localhost,IP:127.0.0.1" + eol,
                "  openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem" + eol);
    }

    @Test
    void clientHelpDocumentsEveryOption() {
        assertThat(run("client", "--help")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " ")).contains("--host", "--port", "--protocol", "--grace",
                "--tls", "--trust", "--insecure", "--help", "PING", "PONG");
    }

    /** A usage error is one line: what was wrong, naming the option and what it accepts, and where help is. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            server --max-frame 0                       | '--max-frame': 0 (a number of bytes, 1 to 2147483645)
            server --rate-limit -1                     | '--rate-limit': -1.0 (messages per second
            server --port 65536                        | '--port': 65536 (a port number, 0 to 65535
            server --port -1                           | '--port': -1
            server --port x                            | '--port': 'x' is not an int
            server --idle-timeout -1                   | '--idle-timeout': -1 (seconds, 0 to 2147483647; 0 for never)
            server --max-connections -1                | '--max-connections': -1 (a count >= 0
            server --max-connections-per-ip -2         | '--max-connections-per-ip': -2
            server --rate-burst -1                     | '--rate-burst': -1
            server --heartbeat -1                      | '--heartbeat': -1
            server --heartbeat-timeout 0               | '--heartbeat-timeout': 0 (seconds, 1 to 2147483647)
            server --stats-interval -5                 | '--stats-interval': -5
            server --framing xml                       | '--framing': expected one of [LINES, RAW] (case-insensitive) but was 'xml'
            server --protocol rooms                    | '--protocol': expected one of [SEED, IRC] (case-insensitive) but was 'rooms'
            server --slow-consumer never               | '--slow-consumer': expected one of
            server --protocol irc --framing raw        | '--framing': raw (irc lines end with CR LF or LF
            server --protocol irc --max-frame 1024     | '--max-frame': 1024 (seed only
            server --tls-cert cert.pem                 | Option '--tls-cert' needs '--tls-key'
            server --tls-key key.pem                   | Option '--tls-key' needs '--tls-cert'
            server --bogus                             | Unknown option: '--bogus'
            server --host nosuch.invalid --port 0      | '--host': 'nosuch.invalid' is neither an IP address nor a host name that resolves
            client --port 0                            | '--port': 0 (a port number, 1 to 65535)
            client --grace -1                          | '--grace': -1
            client --trust cert.pem                    | '--trust' and '--insecure' need '--tls'
            client --insecure                          | '--trust' and '--insecure' need '--tls'
            client --tls --trust cert.pem --insecure   | '--trust' and '--insecure' exclude each other
            client --protocol xml                      | '--protocol': expected one of [SEED, IRC] (case-insensitive)
            client --host nosuch.invalid               | '--host': 'nosuch.invalid' is neither an IP address nor a host name that resolves
            client extra                               | Unmatched argument at index 1: 'extra'
            """)
    void aUsageErrorIsOneLineNamingTheOptionAndPointingToHelp(String args, String expected) {
        assertThat(run(args.split(" "))).isEqualTo(2);
        String command = args.substring(0, args.indexOf(' '));
        assertThat(err.toString()).contains(expected.strip())
                .endsWith("Try '" + command + " --help'." + System.lineSeparator())
                .doesNotContain("Usage:");
        assertThat(err.toString().lines()).hasSize(1);
        assertThat(out.toString()).isEmpty(); // in particular no "listening on"
    }

    @Test
    void noSubcommandIsAUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("Missing subcommand: server or client. Try '--help'."
                + System.lineSeparator());
    }

    @Test
    void anUnreadableTlsFileIsAFailureBeforeListening() {
        assertThat(run("server", "--port", "0", "--tls-cert", "no-such-cert.pem", "--tls-key", "no-such-key.pem"))
                .isEqualTo(1);
        assertThat(out.toString()).doesNotContain("listening on");
        assertThat(run("client", "--port", "1", "--tls", "--trust", "no-such-cert.pem")).isEqualTo(1);
    }

    @Test
    void seedOptionsAreParsedIntoSeedServerOptions() {
        ServerCommand server = server("--host", "::1", "--port", "0", "--protocol", "SEED", "--framing", "raw",
                "--max-frame", "1024", "--idle-timeout", "30", "--max-connections", "500");
        assertThat(server.options()).isEqualTo(new SeedServer.Options("::1", 0, SeedServer.Framing.RAW, 1024,
                Duration.ofSeconds(30), 500));
    }

    @Test
    void seedIsTheDefault() {
        ServerCommand server = server();
        assertThat(server.protocol).isEqualTo(Protocol.SEED);
        assertThat(server.options()).isEqualTo(SeedServer.Options.defaults());
    }

    @Test
    void forIrcTheIdleTimeoutBecomesPings() {
        ServerCommand server = server("--protocol", "irc", "--port", "0", "--idle-timeout", "10",
                "--max-connections", "7");
        IrcServer.Options irc = server.ircOptions(server.tuning());
        assertThat(irc.port()).isZero();
        assertThat(irc.maxConnections()).isEqualTo(7);
        assertThat(irc.pingInterval()).isEqualTo(Duration.ofSeconds(5)); // a PING at half the idle timeout
        assertThat(irc.pingTimeout()).isEqualTo(Duration.ofSeconds(5)); // closed at the idle timeout
        assertThat(irc.idleTimeout()).isZero();
    }

    @Test
    void forIrcTheHeartbeatDecidesThePingsAndTheIdleTimeoutStays() {
        ServerCommand server = server("--protocol", "IRC", "--heartbeat", "30", "--heartbeat-timeout", "7",
                "--idle-timeout", "600");
        IrcServer.Options irc = server.ircOptions(server.tuning());
        assertThat(irc.pingInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(irc.pingTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(irc.idleTimeout()).isEqualTo(Duration.ofSeconds(600));
        ServerCommand noPings = server("--protocol", "irc");
        assertThat(noPings.ircOptions(noPings.tuning()).pingInterval()).isZero();
    }

    @Test
    void flowControlOptionsReachTheReactor() {
        ServerCommand server = server("--max-connections-per-ip", "3", "--rate-limit", "100", "--rate-burst", "20",
                "--rate-action", "DISCONNECT", "--heartbeat", "5", "--heartbeat-timeout", "7", "--slow-consumer",
                "DROP_OLDEST", "--slow-consumer-fanout", "DROP_NEWEST");
        assertThat(server.tuning()).isEqualTo(new ServerCommand.Tuning(3,
                new io.chatnio.RateLimit(100, 20, io.chatnio.RateLimit.Action.DISCONNECT), Duration.ofSeconds(5),
                Duration.ofSeconds(7), io.chatnio.SlowConsumerPolicy.DROP_OLDEST,
                io.chatnio.SlowConsumerPolicy.DROP_NEWEST));
        server.tuning().apply(io.chatnio.Reactor.builder(), new byte[] {'P'}); // the builder takes every value
    }

    @ParameterizedTest
    @ValueSource(strings = {"-v", "--verbose"})
    void verboseIsAFlag(String flag) {
        assertThat(server(flag).verbose).isTrue();
        assertThat(server().verbose).isFalse();
    }
}
