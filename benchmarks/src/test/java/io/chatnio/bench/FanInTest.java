package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many senders to one target at once: every line arrives, each sender's in its order. The senders write
 * about 1.2 MB within moments, so a server that flushes once per loop iteration crosses its flush threshold
 * ({@link NettyBatchedSeedServer#FLUSH_THRESHOLD}) as well as flushing at the iteration's end.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FanInTest {

    private static final int SENDERS = 16;
    private static final int LINES = 1_000;

    static Iterable<String> implementations() {
        return TestServers.implementations();
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void deliversEverySendersLinesInOrder(String impl) throws Exception {
        try (SeedServer server = TestServers.startOnLoopback(impl);
             SeedProtocolTest.Client target = new SeedProtocolTest.Client(server.address())) {
            List<SeedProtocolTest.Client> senders = new ArrayList<>();
            try {
                for (int s = 0; s < SENDERS; s++) {
                    senders.add(new SeedProtocolTest.Client(server.address()));
                }
                String body = "x".repeat(48);
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < LINES; i++) {
                    text.append(target.address()).append(':').append(i).append(' ').append(body).append('\n');
                }
                byte[] burst = text.toString().getBytes(UTF_8);
                // Writes on their own thread: a server pausing a sender while this thread reads must not block it.
                CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                    for (SeedProtocolTest.Client sender : senders) {
                        try {
                            sender.out.write(burst);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                });
                Map<String, Integer> nextBySender = new HashMap<>();
                for (int n = 0; n < SENDERS * LINES; n++) {
                    String line = target.readLine();
                    String from = line.substring(0, line.indexOf(' '));
                    String message = line.substring(line.indexOf(':') + 1);
                    int expected = nextBySender.getOrDefault(from, 0);
                    assertThat(message).as("line %d from %s", expected, from)
                            .isEqualTo(expected + " " + body + " \n");
                    nextBySender.put(from, expected + 1);
                }
                written.get(10, TimeUnit.SECONDS);
                assertThat(nextBySender).hasSize(SENDERS)
                        .allSatisfy((from, count) -> assertThat(count).isEqualTo(LINES));
            } finally {
                for (SeedProtocolTest.Client sender : senders) {
                    sender.close();
                }
            }
        }
    }
}
