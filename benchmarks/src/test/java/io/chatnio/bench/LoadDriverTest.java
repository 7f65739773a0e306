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
import java.nio.ByteOrder;
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
    void countsLineFeedsExactly() {
        SplittableRandom random = new SplittableRandom(42);
        ByteBuffer buf = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
        byte[] interesting = {'\n', 0, (byte) 0x80, (byte) 0x8A, 0x0B, 0x09, (byte) 0xFF, 'a'};
        for (int round = 0; round < 200; round++) {
            int length = random.nextInt(buf.capacity());
            int expected = 0;
            for (int i = 0; i < length; i++) {
                byte b = interesting[random.nextInt(interesting.length)];
                buf.put(i, b);
                expected += b == '\n' ? 1 : 0;
            }
            int from = random.nextInt(Math.max(1, length));
            int inRange = 0;
            for (int i = from; i < length; i++) {
                inRange += buf.get(i) == '\n' ? 1 : 0;
            }
            assertThat(LoadDriver.countLines(buf, 0, length)).isEqualTo(expected);
            assertThat(LoadDriver.countLines(buf, from, length)).isEqualTo(inRange);
        }
    }
}
