package io.chatnio.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 200 clients on one server, each sending 50 messages to the next one in a ring: every message must arrive,
 * byte for byte, in the order its sender sent it. The test thread writes round-robin (message 0 of every
 * client, then message 1, ...) so the server sees all connections busy at once; one reader thread per client
 * checks what it receives.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrentClientsTest {
    private static final int CLIENTS = 200;
    private static final int MESSAGES = 50;

    @Test
    void noMessageIsLostAndEachSendersOrderIsKept() throws Exception {
        ExecutorService readers = Executors.newFixedThreadPool(CLIENTS);
        List<TestClient> clients = new ArrayList<>();
        try (SeedServer server = SeedServer.start(SeedServer.Options.defaults().withPort(0))) {
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(TestClient.register(server.address(), "\n"));
            }
            List<Future<?>> received = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                TestClient sender = clients.get((i + CLIENTS - 1) % CLIENTS);
                TestClient receiver = clients.get(i);
                received.add(readers.submit(() -> {
                    for (int seq = 0; seq < MESSAGES; seq++) {
                        String message = "message " + seq + " from " + sender.port();
                        receiver.expect(TestClient.delivered(sender.port(), message));
                    }
                    return null;
                }));
            }
            for (int seq = 0; seq < MESSAGES; seq++) {
                for (int i = 0; i < CLIENTS; i++) {
                    TestClient sender = clients.get(i);
                    TestClient receiver = clients.get((i + 1) % CLIENTS);
                    sender.send("127.0.0.1:" + receiver.port() + ":message " + seq + " from " + sender.port() + "\n");
                }
            }
            for (Future<?> f : received) {
                f.get(30, TimeUnit.SECONDS); // rethrows a reader's mismatch or timeout
            }
            assertThat(server.reactor().stats().messagesIn()).isEqualTo((long) CLIENTS * (MESSAGES + 1));
        } finally {
            readers.shutdownNow();
            for (TestClient c : clients) {
                c.close();
            }
        }
    }
}
