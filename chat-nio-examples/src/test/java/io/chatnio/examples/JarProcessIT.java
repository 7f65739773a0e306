package io.chatnio.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.examples.irc.IrcTestClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar run as real processes: {@code server --port 0}, then the {@code client} subcommand with its
 * stdin piped, and a socket of this test as the other party. Runs after {@code package} (failsafe). Every wait
 * is bounded; the processes started here are destroyed by their handles.
 *
 * <p>Threads: the JUnit thread drives the processes and the target socket; one daemon thread per process
 * reads its stdout ({@link Lines}).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class JarProcessIT {
    private static final long WAIT_SECONDS = 20;
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern DELIVERED = Pattern.compile("(\\d+) \u8d26\u6237\u5bf9\u60a8\u8bf4:(.*) \n",
            Pattern.DOTALL);

    @TempDir
    Path logs;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void destroyWhatWasStarted() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void clientProcessTalksToATargetThroughTheServerProcess() throws Exception {
        Process server = start("server", "server", "--port", "0");
        Lines serverOut = new Lines(server.getInputStream());
        int port = listeningPort(serverOut, "server");
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);

        try (TestClient target = TestClient.register(address, "\n")) {
            Process client = start("client", "client", "--port", Integer.toString(port));
            Lines clientOut = new Lines(client.getInputStream());
            OutputStream clientIn = client.getOutputStream();

            clientIn.write(("127.0.0.1:" + target.port() + ":hello: from a process\n").getBytes(UTF_8));
            clientIn.flush();
            Matcher first = DELIVERED.matcher(new String(target.readLine(), UTF_8));
            assertThat(first.matches()).as("delivered line").isTrue();
            assertThat(first.group(2)).isEqualTo("hello: from a process");
            int clientPort = Integer.parseInt(first.group(1));

            target.send("127.0.0.1:" + clientPort + ":pong: 你好\n");
            assertThat(clientOut.next("client")).isEqualTo(TestClient.delivered(target.port(), "pong: 你好"));

            clientIn.write(("127.0.0.1:" + target.port() + ":second line\n").getBytes(UTF_8));
            clientIn.close(); // end of input: the client shuts its output down, the server closes, it exits
            target.expect(TestClient.delivered(clientPort, "second line"));
            assertThat(client.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("client exited").isTrue();
            assertThat(client.exitValue()).as(log("client")).isZero();

            server.destroy(); // SIGTERM: the shutdown hook closes the reactor gracefully
            assertThat(target.closedByServer()).as("target disconnected by the shutdown").isTrue();
            assertThat(server.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("server exited").isTrue();
            assertThat(log("server")).contains("shutting down", "stopped");
        }
    }

    @Test
    void clientExitsWhenTheServerCloses() throws Exception {
        Process server = start("server", "server", "--port", "0");
        int port = listeningPort(new Lines(server.getInputStream()), "server");
        Process client = start("client", "client", "--port", Integer.toString(port));
        Lines clientOut = new Lines(client.getInputStream());
        OutputStream clientIn = client.getOutputStream();

        clientIn.write("127.0.0.1:1:anyone there?\n".getBytes(UTF_8)); // stdin stays open
        clientIn.flush();
        assertThat(clientOut.next("client")).isEqualTo(TestClient.OFFLINE);

        server.destroy();
        assertThat(client.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("client exited").isTrue();
        assertThat(client.exitValue()).as(log("client")).isZero();
        assertThat(server.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("server exited").isTrue();
    }

    @Test
    void helpRunsFromTheJar() throws Exception {
        Process help = start("help", "server", "--help");
        assertThat(help.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(help.getInputStream().readAllBytes(), UTF_8))
                .contains("--max-connections", "seed (the default)", "irc: an IRC server");
        assertThat(help.exitValue()).isZero();
    }

    @Test
    void aUsageErrorAndAnUnknownHostAreOneLineEach() throws Exception {
        Process badFrame = start("max-frame", "server", "--max-frame", "0");
        Process unknownHost = start("host", "server", "--host", "nosuch.invalid", "--port", "0");
        for (Process p : List.of(badFrame, unknownHost)) {
            assertThat(p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(2);
            assertThat(p.getInputStream().readAllBytes()).isEmpty();
        }
        assertThat(log("max-frame")).isEqualTo("Invalid value for option '--max-frame': 0 (a number of bytes, 1 to "
                + "2147483645). Try 'server --help'." + System.lineSeparator());
        assertThat(log("host")).isEqualTo("Invalid value for option '--host': 'nosuch.invalid' is neither an IP "
                + "address nor a host name that resolves. Try 'server --help'." + System.lineSeparator());
    }

    /**
     * {@code server --protocol irc} with a 1 s heartbeat, DEBUG logs and a stats line every second; the
     * {@code client --protocol irc} registers and joins from its stdin, then stays silent: it must answer the
     * server's PINGs itself (and not print them) to be still there when it next speaks.
     */
    @Test
    void ircClientProcessAnswersTheServersPingsAndTheServerLogsConnectionsAndStats() throws Exception {
        Process server = start("server", "server", "--protocol", "irc", "--port", "0", "--heartbeat", "1",
                "--heartbeat-timeout", "2", "--verbose", "--stats-interval", "1");
        int port = listeningPort(new Lines(server.getInputStream()), "server");
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        try (IrcTestClient peer = IrcTestClient.register(address, "peer").answeringPings()) {
            peer.send("JOIN #x");
            peer.expectCode("366");
            Process client = start("client", "client", "--protocol", "irc", "--port", Integer.toString(port));
            Lines clientOut = new Lines(client.getInputStream());
            OutputStream clientIn = client.getOutputStream();
            clientIn.write("NICK proc\nUSER proc 0 * :A process\nJOIN #x\n".getBytes(UTF_8));
            clientIn.flush();
            peer.expect(":proc!proc@127.0.0.1 JOIN #x");
            // the peer answers its own PINGs while it waits: by the time it has answered 4, 4 s have passed, and a
            // client that did not answer its PINGs would have been closed (1 s + 2 s)
            int pings = 0;
            while (pings < 4) {
                String line = new String(peer.readLineBytes(), UTF_8);
                assertThat(line).as("no QUIT of the client").startsWith("PING ");
                peer.send("PONG " + line.substring(5));
                pings++;
            }
            clientIn.write("PRIVMSG #x :still here\n".getBytes(UTF_8));
            clientIn.flush();
            peer.expect(":proc!proc@127.0.0.1 PRIVMSG #x :still here");
            peer.send("PRIVMSG #x :hello proc");
            List<String> printed = new ArrayList<>();
            while (printed.isEmpty() || !printed.get(printed.size() - 1).contains("hello proc")) {
                printed.add(new String(clientOut.next("client"), UTF_8));
            }
            assertThat(printed).noneMatch(l -> l.startsWith("PING"));
            assertThat(printed).last().isEqualTo(":peer!peer@127.0.0.1 PRIVMSG #x :hello proc\r\n");

            clientIn.close(); // end of input: the client half-closes, the server closes, it exits
            peer.expect(":proc!proc@127.0.0.1 QUIT :Connection closed");
            assertThat(client.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("client exited").isTrue();
            assertThat(client.exitValue()).as(log("client")).isZero();
        }
        server.destroy();
        assertThat(server.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("server exited").isTrue();
        String log = log("server");
        assertThat(log).containsPattern("DEBUG .* IrcHandler - .*127\\.0\\.0\\.1.* opened")
                .containsPattern("DEBUG .* IrcHandler - .*127\\.0\\.0\\.1.* closed")
                .containsPattern("INFO .* ServerCommand - stats: connections \\d+ open .*; \\d+ clients, \\d+ channels");
    }

    /**
     * {@code server --heartbeat 1} (seed protocol) and a silent {@code client}: the client answers the heartbeat
     * {@code PING} with {@code PONG}, and prints neither it nor the error line the server answers the PONG with.
     */
    @Test
    void seedClientProcessAnswersTheHeartbeat() throws Exception {
        Process server = start("server", "server", "--port", "0", "--heartbeat", "1", "--heartbeat-timeout", "2");
        int port = listeningPort(new Lines(server.getInputStream()), "server");
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        try (TestClient target = TestClient.register(address, "\n")) {
            Process client = start("client", "client", "--port", Integer.toString(port));
            Lines clientOut = new Lines(client.getInputStream());
            OutputStream clientIn = client.getOutputStream();
            clientIn.write(("127.0.0.1:" + target.port() + ":hi\n").getBytes(UTF_8));
            clientIn.flush();
            int pings = 0;
            int clientPort = -1;
            while (clientPort < 0 || pings < 4) { // 4 PINGs, 4 s at least: the client was pinged and answered
                String line = new String(target.readLine(), UTF_8);
                if (line.equals("PING\n")) { // the target is pinged too: it answers as the client does
                    pings++;
                    target.send("PONG\n");
                    assertThat(new String(target.readLine(), UTF_8)).isEqualTo("ERR expected IP:PORT:MESSAGE\n");
                } else {
                    Matcher first = DELIVERED.matcher(line);
                    assertThat(first.matches()).as(line).isTrue();
                    assertThat(first.group(2)).isEqualTo("hi");
                    clientPort = Integer.parseInt(first.group(1));
                }
            }
            target.send("127.0.0.1:" + clientPort + ":still there?\n");
            assertThat(clientOut.next("client")).isEqualTo(TestClient.delivered(target.port(), "still there?"));
            clientIn.close();
            assertThat(client.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("client exited").isTrue();
            assertThat(client.exitValue()).as(log("client")).isZero();
        }
        server.destroy();
        assertThat(server.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("server exited").isTrue();
    }

    private Process start(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectError(logs.resolve(name + ".stderr").toFile())
                .start();
        started.add(p);
        return p;
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("chatnio.examples.jar", "target/chat-nio-examples.jar"));
        assertThat(jar).as("the shaded jar (built by package)").isRegularFile();
        return jar;
    }

    private int listeningPort(Lines out, String name) throws Exception {
        String line = new String(out.next(name), UTF_8);
        Matcher m = LISTENING.matcher(line);
        assertThat(m.find()).as("first stdout line: " + line).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private String log(String name) {
        try {
            return Files.readString(logs.resolve(name + ".stderr"), UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** A process's stdout cut into lines ("\n" kept) by a daemon thread, so that every read can time out. */
    private final class Lines {
        private final StdoutLines lines;

        Lines(InputStream in) {
            lines = new StdoutLines(in, "stdout-reader");
        }

        byte[] next(String name) throws InterruptedException {
            byte[] line = lines.poll(WAIT_SECONDS);
            assertThat(line).as("a line on the %s's stdout within %d s; stderr: %s", name, WAIT_SECONDS, log(name))
                    .isNotNull();
            return line;
        }
    }
}
