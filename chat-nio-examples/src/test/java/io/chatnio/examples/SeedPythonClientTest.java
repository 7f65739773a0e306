package io.chatnio.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The original seed client ({@code shared/seed/chat_client.py}, unchanged but for the two addresses it
 * hard-codes, pointed at our server) talks to the server in {@code --framing raw}: each {@code input()} line
 * is one unframed {@code send}, and it prints whatever it receives.
 *
 * <p>Skipped where there is no {@code python3} or no copy of the seed beside the repository (set
 * {@code -Dchatnio.seed.dir} to point elsewhere).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SeedPythonClientTest {
    private static final String SEED_BIND = "('172.16.1.32', 8084)";
    private static final String SEED_CONNECT = "('172.16.1.4', 8081)";

    @Test
    void theOriginalPythonClientWorksUnchangedWithRawFraming() throws Exception {
        Path seed = Path.of(System.getProperty("chatnio.seed.dir", "../../shared/seed"), "chat_client.py");
        assumeTrue(Files.isRegularFile(seed), "no seed client at " + seed.toAbsolutePath());
        assumeTrue(hasPython(), "no python3");

        try (SeedServer server = SeedServer.start(SeedServer.Options.defaults().withPort(0)
                .withFraming(SeedServer.Framing.RAW));
             TestClient java = TestClient.register(server.address(), "")) {
            String source = Files.readString(seed, StandardCharsets.UTF_8);
            assertThat(source).contains(SEED_BIND, SEED_CONNECT);
            Path client = Files.createTempFile("chat_client", ".py");
            Files.writeString(client, source.replace(SEED_BIND, "('127.0.0.1', 0)")
                    .replace(SEED_CONNECT, "('127.0.0.1', " + server.address().getPort() + ")"));
            ProcessBuilder pb = new ProcessBuilder("python3", "-u", client.toString()).redirectErrorStream(true);
            pb.environment().put("PYTHONIOENCODING", "utf-8");
            Process python = pb.start();
            try {
                Output out = new Output(python.getInputStream());
                // "欢迎:('127.0.0.1', 45678)登录": the client's own address, its identity
                MatchResult welcome = out.await(Pattern.compile("欢迎:\\('127\\.0\\.0\\.1', (\\d+)\\)登录"));
                int pythonPort = Integer.parseInt(welcome.group(1));

                // python -> java: one input() line, sent without a newline, is one message
                python.getOutputStream().write((java.address() + ":hello: from python\n").getBytes(StandardCharsets.UTF_8));
                python.getOutputStream().flush();
                java.expect(TestClient.delivered(pythonPort, "hello: from python"));

                // java -> python: the python client prints exactly what it receives
                java.send("127.0.0.1:" + pythonPort + ":你好, python");
                out.await(Pattern.compile(Pattern.quote(java.port() + " 账户对您说:你好, python \n")));

                // offline target: the python client now gets told (the original only printed it on the server)
                python.getOutputStream().write("127.0.0.1:1:anyone?\n".getBytes(StandardCharsets.UTF_8));
                python.getOutputStream().flush();
                out.await(Pattern.compile(Pattern.quote("对方已下线!\n")));
            } finally {
                python.destroyForcibly(); // its threads never end by themselves
                python.waitFor(10, TimeUnit.SECONDS);
                Files.deleteIfExists(client);
            }
        }
    }

    private static boolean hasPython() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Everything the process prints, collected by a reader thread; {@link #await} waits with a deadline. */
    private static final class Output {
        private final BlockingQueue<String> chunks = new LinkedBlockingQueue<>();
        private final StringBuilder seen = new StringBuilder();

        Output(InputStream in) {
            Thread reader = new Thread(() -> {
                byte[] buf = new byte[4096];
                try {
                    java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        pending.write(buf, 0, n);
                        String text = pending.toString(StandardCharsets.UTF_8);
                        if (!text.endsWith("\uFFFD")) { // hold back a character cut in half
                            chunks.add(text);
                            pending.reset();
                        }
                    }
                } catch (IOException e) {
                    // the process was destroyed
                }
            }, "python-output");
            reader.setDaemon(true);
            reader.start();
        }

        MatchResult await(Pattern pattern) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                Matcher m = pattern.matcher(seen);
                if (m.find()) {
                    MatchResult found = m.toMatchResult(); // groups stay valid after the text moves on
                    seen.delete(0, m.end());
                    return found;
                }
                long left = deadline - System.nanoTime();
                assertThat(left).as("python printed %s; so far: %s", pattern, seen).isPositive();
                String chunk = chunks.poll(left, TimeUnit.NANOSECONDS);
                if (chunk != null) {
                    seen.append(chunk);
                }
            }
        }
    }
}
