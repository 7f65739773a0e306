package io.chatnio.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(new String(help.getInputStream().readAllBytes(), UTF_8)).contains("--max-connections");
        assertThat(help.exitValue()).isZero();
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
