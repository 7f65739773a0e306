package io.chatnio.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Argument parsing of the subcommands, without starting anything. Runs on the JUnit thread only. */
class CommandLineTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void serverHelpDocumentsEveryOption() {
        assertThat(run("server", "--help")).isZero();
        String help = out.toString().replaceAll("\\s+", " "); // undo the wrapping
        assertThat(help).contains("--host", "--port", "--protocol", "--framing", "--max-frame", "--idle-timeout",
                "--max-connections", "--max-connections-per-ip", "--rate-limit", "--rate-burst", "--rate-action",
                "--heartbeat", "--heartbeat-timeout", "--slow-consumer", "--slow-consumer-fanout", "--stats-interval",
                "--tls-cert", "--tls-key", "--help", "listening on", "ERR too many connections",
                "openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
        // the test certificate command, unwrapped, in lines that can be pasted into a shell
        String eol = System.lineSeparator();
        assertThat(out.toString()).contains(
                "  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\" + eol,
                "    -keyout key.pem -out cert.pem -days 30 -subj /CN=localhost \\" + eol,
                "    -addext subjectAltName=DNS:localhost,IP:127.0.0.1" + eol,
                "  openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem" + eol);
    }

    @Test
    void clientHelpDocumentsEveryOption() {
        assertThat(run("client", "--help")).isZero();
        assertThat(out.toString()).contains("--host", "--port", "--grace", "--tls", "--trust", "--insecure", "--help");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "server --tls-cert cert.pem|--tls-cert needs --tls-key",
        "server --tls-key key.pem|--tls-key needs --tls-cert",
        "client --trust cert.pem|--trust and --insecure need --tls",
        "client --insecure|--trust and --insecure need --tls",
        "client --tls --trust cert.pem --insecure|--trust and --insecure exclude each other"})
    void tlsOptionsComeInTheirCombinations(String argsAndMessage) {
        String[] parts = argsAndMessage.split("\\|");
        assertThat(run(parts[0].split(" "))).isEqualTo(2);
        assertThat(err.toString()).contains(parts[1], "Usage:");
    }

    @Test
    void anUnreadableTlsFileIsAFailureBeforeListening() {
        assertThat(run("server", "--port", "0", "--tls-cert", "no-such-cert.pem", "--tls-key", "no-such-key.pem"))
                .isEqualTo(1);
        assertThat(out.toString()).doesNotContain("listening on");
        assertThat(run("client", "--port", "1", "--tls", "--trust", "no-such-cert.pem")).isEqualTo(1);
    }

    @Test
    void noSubcommandIsAUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("Missing subcommand");
    }

    @Test
    void serverOptionsAreParsedIntoSeedServerOptions() {
        CommandLine cl = Main.commandLine();
        CommandLine.ParseResult parsed = cl.parseArgs("server", "--host", "::1", "--port", "0", "--protocol", "ROOMS",
                "--framing", "raw", "--max-frame", "1024", "--idle-timeout", "30", "--max-connections", "500");
        ServerCommand server = parsed.subcommand().commandSpec().commandLine().getCommand();
        assertThat(server.options()).isEqualTo(new SeedServer.Options("::1", 0, SeedServer.Protocol.ROOMS,
                SeedServer.Framing.RAW, 1024, Duration.ofSeconds(30), 500));
    }

    @Test
    void flowControlOptionsReachTheReactor() {
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs("server", "--max-connections-per-ip", "3",
                "--rate-limit", "100", "--rate-burst", "20", "--rate-action", "DISCONNECT", "--heartbeat", "5",
                "--heartbeat-timeout", "7", "--slow-consumer", "DROP_OLDEST", "--slow-consumer-fanout", "DROP_NEWEST");
        ServerCommand server = parsed.subcommand().commandSpec().commandLine().getCommand();
        assertThat(server.tuning()).isEqualTo(new ServerCommand.Tuning(3,
                new io.chatnio.RateLimit(100, 20, io.chatnio.RateLimit.Action.DISCONNECT), Duration.ofSeconds(5),
                Duration.ofSeconds(7), io.chatnio.SlowConsumerPolicy.DROP_OLDEST, io.chatnio.SlowConsumerPolicy.DROP_NEWEST));
        server.tuning().apply(io.chatnio.Reactor.builder()); // the builder takes every value
    }

    @Test
    void serverDefaults() {
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs("server");
        ServerCommand server = parsed.subcommand().commandSpec().commandLine().getCommand();
        assertThat(server.options()).isEqualTo(SeedServer.Options.defaults());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "server --port 65536", "server --port -1", "server --port x", "server --max-frame 0",
        "server --idle-timeout -1", "server --max-connections -1", "server --framing xml",
        "server --rate-limit -1", "server --heartbeat-timeout 0", "server --slow-consumer never",
        "server --protocol irc", "server --bogus", "client --port 0", "client --grace -1", "client extra"})
    void badArgumentsAreUsageErrors(String args) {
        assertThat(run(args.split(" "))).isEqualTo(2);
        assertThat(err.toString()).contains("Usage:");
    }
}
