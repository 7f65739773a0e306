package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the benchmark load, briefly, through every server implementation, so the benchmarks cannot rot:
 * delivery counts and the exact bytes of a delivered line are checked. The expected lines are spelled
 * out here independently of {@link SeedProtocol}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoadDriverTest {

    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

    static Iterable<String> implementations() {
        return TestServers.implementations();
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void forwardsOneToOne(String impl) throws Exception {
        int pairs = 3;
        try (SeedServer server = TestServers.startOnLoopback(impl);
             LoadDriver driver = LoadDriver.forwarding(server.address(), pairs, 64, 8, TIMEOUT)) {
            assertThat(driver.awaitDelivered(pairs * 500L, TIMEOUT)).as("delivered in time").isTrue();
            assertThat(driver.delivered()).isGreaterThanOrEqualTo(pairs * 500L);
            for (int i = 0; i < pairs; i++) {
                String expected = driver.senderPort(i) + " 账户对您说:" + new String(LoadDriver.payload(64), UTF_8) + " \n";
                assertThat(driver.firstDeliveredLine(i)).isEqualTo(expected.getBytes(UTF_8));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void forwardsLinesLargerThanSocketReads(String impl) throws Exception {
        try (SeedServer server = TestServers.startOnLoopback(impl);
             LoadDriver driver = LoadDriver.forwarding(server.address(), 2, 60_000, 4, TIMEOUT)) {
            assertThat(driver.awaitDelivered(200, TIMEOUT)).as("delivered in time").isTrue();
            assertThat(driver.firstDeliveredLine(1)).hasSize(String.valueOf(driver.senderPort(1)).length()
                    + " 账户对您说:".getBytes(UTF_8).length + 60_000 + 2);
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void fansOutToEveryMember(String impl) throws Exception {
        int members = 5;
        try (SeedServer server = TestServers.startOnLoopback(impl);
             LoadDriver driver = LoadDriver.fanout(server.address(), members, 64, 8, TIMEOUT)) {
            assertThat(driver.awaitDelivered(members * 300L, TIMEOUT)).as("delivered in time").isTrue();
            String expected = driver.senderPort(0) + " 账户对您说:" + new String(LoadDriver.payload(64), UTF_8) + " \n";
            for (int i = 0; i < members; i++) {
                assertThat(driver.firstDeliveredLine(i)).isEqualTo(expected.getBytes(UTF_8));
            }
        }
    }

    @Test
    void awaitDeliveredReturnsFalseAtTheDeadline() throws Exception {
        try (SeedServer server = TestServers.startOnLoopback("netty");
             LoadDriver driver = LoadDriver.forwarding(server.address(), 1, 8, 1, TIMEOUT)) {
            assertThat(driver.awaitDelivered(Long.MAX_VALUE, TimeUnit.MILLISECONDS.toNanos(50))).isFalse();
        }
    }

    @Test
    void failsOnBytesThatAreNotTheExpectedLine() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread fake = new Thread(() -> answerEveryConnectionWith(server, "1 账户对您说:wrong \n"), "fake-server");
            fake.setDaemon(true);
            fake.start();
            assertThatThrownBy(() -> LoadDriver.forwarding((InetSocketAddress) server.getLocalSocketAddress(), 1, 8, 1,
                    TIMEOUT))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("not ready")
                    .cause().hasMessageContaining("but got \"1 账户对您说:wrong \n\"");
        }
    }

    /** A broken server: whatever a client sends, it answers with {@code reply} once. */
    private static void answerEveryConnectionWith(ServerSocket server, String reply) {
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) { // the one pair: a receiver and a sender
                Socket s = server.accept();
                open.add(s);
                s.getOutputStream().write(reply.getBytes(UTF_8));
            }
            server.accept(); // until the test closes the server socket
        } catch (IOException closed) {
            // test over
        } finally {
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    @Test
    void payloadHasColons() {
        assertThat(new String(LoadDriver.payload(32), UTF_8)).isEqualTo("abcdefghijklmno:qrstuvwxyzabcde:");
    }

    @Test
    void findsEveryLineEndUnderAnySplit() {
        SplittableRandom random = new SplittableRandom(42);
        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        for (int round = 0; round < 200; round++) {
            int first = 1 + random.nextInt(40);
            int length = 1 + random.nextInt(300);
            int lines = random.nextInt(20);
            byte[] stream = new byte[first + lines * length];
            for (int i = 0; i < stream.length; i++) {
                stream[i] = (byte) ('a' + random.nextInt(26));
            }
            stream[first - 1] = '\n';
            for (int k = 1; k <= lines; k++) {
                stream[first + k * length - 1] = '\n';
            }
            int corrupt = random.nextBoolean() ? -1 : random.nextInt(lines + 1);
            int corruptAt = corrupt < 0 ? -1 : corrupt == 0 ? first - 1 : first + corrupt * length - 1;
            if (corruptAt >= 0) {
                stream[corruptAt] = (byte) (random.nextBoolean() ? 'x' : 0x8A);
            }
            int at = 0;
            int found = -1;
            while (at < stream.length && found < 0) { // in random pieces, as reads would deliver it
                int n = 1 + random.nextInt(Math.min(buf.capacity(), stream.length - at));
                buf.clear();
                buf.put(stream, at, n);
                int bad = LoadDriver.firstBadLineEnd(buf, n, at, first, length);
                if (bad >= 0) {
                    found = at + bad;
                } else {
                    at += n;
                    assertThat(LoadDriver.completeLines(at, first, length))
                            .isEqualTo(at < first ? 0 : 1 + (at - first) / length);
                }
            }
            assertThat(found).isEqualTo(corruptAt);
        }
    }
}
