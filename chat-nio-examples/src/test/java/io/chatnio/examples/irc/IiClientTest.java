package io.chatnio.examples.irc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.chatnio.examples.StdoutLines;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real IRC client, suckless {@code ii} (Debian package {@code ii}), against the IRC server: registration, a
 * channel join, a message each way in the channel and in private, the server's PINGs answered, and a QUIT. The
 * server runs in-process; ii runs as a process whose commands are written to its FIFOs ({@code <dir>/<host>/in},
 * {@code <dir>/<host>/#x/in}) and whose raw server lines are read from its stdout. Skipped where ii is not
 * installed ({@code apt-get install ii}; {@code .ci/run} installs it).
 *
 * <p>Threads: the JUnit test runs in a thread of its own ({@link Timeout.ThreadMode#SEPARATE_THREAD}: opening a
 * FIFO blocks if ii is gone, and the timeout must still end the test); one daemon thread reads ii's stdout; the
 * server runs on its loop thread.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IiClientTest {
    private static final long WAIT_SECONDS = 20;

    @TempDir
    Path dir;

    @Test
    void iiRegistersJoinsTalksBothWaysAnswersPingsAndQuits() throws Exception {
        Path ii = onPath("ii");
        assumeTrue(ii != null, "ii is not installed (apt-get install ii)");
        // PINGs after 300 ms of silence, so that ii answers several while the test runs
        try (IrcServer server = IrcServer.start(IrcServer.Options.defaults().withPort(0)
                .withPings(Duration.ofMillis(300), Duration.ofSeconds(10)))) {
            Process process = new ProcessBuilder(ii.toString(), "-s", "127.0.0.1",
                    "-p", Integer.toString(server.address().getPort()), "-n", "alice", "-f", "Alice Liddell",
                    "-i", dir.toString())
                    .redirectError(dir.resolve("ii.stderr").toFile())
                    .start();
            try {
                Output out = new Output(new StdoutLines(process.getInputStream(), "ii-stdout"));
                Path serverDir = dir.resolve("127.0.0.1");

                // registration: NICK and USER; the welcome burst and the MOTD arrive
                out.await(l -> l.contains(":chat-nio.local 001 alice :Welcome to the chat-nio Network, "
                        + "alice!alice@127.0.0.1"));
                out.await(l -> l.contains(" 376 alice "));
                try (IrcTestClient bob = IrcTestClient.register(server.address(), "bob").answeringPings()) {
                    // join
                    write(serverDir.resolve("in"), "/j #x");
                    out.await(l -> l.endsWith(":alice!alice@127.0.0.1 JOIN #x"));
                    out.await(l -> l.endsWith(":chat-nio.local 366 alice #x :End of /NAMES list"));
                    bob.send("JOIN #x");
                    bob.expect(":bob!bob@127.0.0.1 JOIN #x");
                    bob.expect(":chat-nio.local 353 bob = #x :@alice bob");
                    bob.expectCode("366");
                    out.await(l -> l.endsWith(":bob!bob@127.0.0.1 JOIN #x"));

                    // ii -> bob, in the channel
                    write(serverDir.resolve("#x").resolve("in"), "hello from ii");
                    bob.expect(":alice!alice@127.0.0.1 PRIVMSG #x :hello from ii");
                    // bob -> ii, in the channel and in private
                    bob.send("PRIVMSG #x :hello ii");
                    bob.send("PRIVMSG alice :psst");
                    out.await(l -> l.endsWith(":bob!bob@127.0.0.1 PRIVMSG #x :hello ii"));
                    out.await(l -> l.endsWith(":bob!bob@127.0.0.1 PRIVMSG alice :psst"));
                    // a raw command through ii; its answer comes after ii has filed the messages above
                    write(serverDir.resolve("in"), "/PING sync");
                    out.await(l -> l.endsWith(":chat-nio.local PONG chat-nio.local :sync"));
                    assertThat(Files.readString(serverDir.resolve("#x").resolve("out")))
                            .contains("-!- alice(alice@127.0.0.1) has joined #x", "<alice> hello from ii",
                                    "-!- bob(bob@127.0.0.1) has joined #x", "<bob> hello ii");
                    assertThat(Files.readString(serverDir.resolve("bob").resolve("out"))).contains("<bob> psst");

                    // the server's PINGs were answered: ii is still here (waiting for one more, if needed)
                    out.await(l -> l.endsWith("PING :chat-nio.local"));
                    write(serverDir.resolve("#x").resolve("in"), "still here");
                    bob.expect(":alice!alice@127.0.0.1 PRIVMSG #x :still here");

                    // quit
                    write(serverDir.resolve("in"), "/q bye now");
                    bob.expect(":alice!alice@127.0.0.1 QUIT :Quit: bye now");
                    assertThat(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("ii exited").isTrue();
                    assertThat(process.exitValue()).as(Files.readString(dir.resolve("ii.stderr"))).isZero();
                    bob.send("NAMES #x");
                    bob.expect(":chat-nio.local 353 bob = #x :bob");
                }
            } finally {
                process.destroyForcibly();
                process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    /** Writes one line into one of ii's FIFOs (ii keeps it open for reading, so the open does not block). */
    private static void write(Path fifo, String line) throws IOException {
        Files.write(fifo, (line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The executable {@code name} in a directory of {@code PATH}, or null. */
    static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            Path candidate = Path.of(d, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** ii's stdout: each raw server line, after a Unix time. */
    private static final class Output {
        private final StdoutLines lines;
        private final List<String> seen = new ArrayList<>();

        Output(StdoutLines lines) {
            this.lines = lines;
        }

        /** Reads lines until one matches (its line end removed); fails after WAIT_SECONDS without one. */
        String await(Predicate<String> wanted) throws InterruptedException {
            while (true) {
                byte[] b = lines.poll(WAIT_SECONDS);
                assertThat(b).as("ii's stdout within %d s; seen so far: %s", WAIT_SECONDS, seen).isNotNull();
                String line = new String(b, StandardCharsets.UTF_8).stripTrailing();
                seen.add(line);
                if (wanted.test(line)) {
                    return line;
                }
            }
        }
    }
}
