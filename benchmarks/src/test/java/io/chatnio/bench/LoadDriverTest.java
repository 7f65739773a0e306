package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
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
                String expected = driver.senderPort(i) + " 账户对您说:" + String.format("%04x", i) + "00000000"
                        + new String(LoadDriver.payload(64), UTF_8).substring(12) + " \n";
                // the total can be reached before a thread-per-connection server has served every pair
                assertThat(firstLine(driver, i)).isEqualTo(expected.getBytes(UTF_8));
            }
        }
    }

    /** Receiver {@code i}'s first message line, waiting up to {@link #TIMEOUT} for it to arrive. */
    static byte[] firstLine(LoadDriver driver, int i) {
        long deadline = System.nanoTime() + TIMEOUT;
        byte[] line;
        while ((line = driver.firstDeliveredLine(i)) == null && System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        return line;
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
            String expected = driver.senderPort(0) + " 账户对您说:" + "000000000000"
                    + new String(LoadDriver.payload(64), UTF_8).substring(12) + " \n";
            for (int i = 0; i < members; i++) {
                assertThat(driver.firstDeliveredLine(i)).isEqualTo(expected.getBytes(UTF_8));
            }
        }
    }

    @Test
    void awaitDeliveredReturnsFalseAtTheDeadline() throws Exception {
        try (SeedServer server = TestServers.startOnLoopback("netty");
             LoadDriver driver = LoadDriver.forwarding(server.address(), 1, 16, 1, TIMEOUT)) {
            assertThat(driver.awaitDelivered(Long.MAX_VALUE, TimeUnit.MILLISECONDS.toNanos(50))).isFalse();
        }
    }

    @Test
    void failsOnBytesThatAreNotTheExpectedLine() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread fake = new Thread(() -> answerEveryConnectionWith(server, "1 账户对您说:wrong \n"), "fake-server");
            fake.setDaemon(true);
            fake.start();
            assertThatThrownBy(() -> LoadDriver.forwarding((InetSocketAddress) server.getLocalSocketAddress(), 1, 16, 1,
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
    void stampsEachMessageWithItsSenderAndSequenceNumber() {
        assertThat(new String(LoadDriver.message(3, 31, 32), UTF_8)).isEqualTo("00030000001fmno:qrstuvwxyzabcde:");
        assertThat(new String(LoadDriver.message(0xabcd, 0x1_2345_6789L, 12), UTF_8)).isEqualTo("abcd23456789");
        assertThatThrownBy(() -> LoadDriver.message(0, 0, 11)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesAPayloadWithoutRoomForTheStamp() {
        assertThatThrownBy(() -> LoadDriver.forwarding(new InetSocketAddress("127.0.0.1", 1), 1, 11, 1, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 12");
    }

    @Test
    void deliversEverythingThroughAFaithfulRelay() throws Exception {
        try (FaultyRelay relay = FaultyRelay.start(FaultyRelay.Fault.NONE);
             LoadDriver driver = LoadDriver.forwarding(relay.address(), 2, 64, 8, TIMEOUT)) {
            assertThat(driver.awaitDelivered(2 * (FaultyRelay.VICTIM + 100L), TIMEOUT)).as("delivered in time").isTrue();
        }
    }

    @Test
    void failsOnAMissingLine() throws Exception {
        assertFailsThrough(FaultyRelay.Fault.DROP, "(index 0): line 128: expected stamp 000000000080 (sender 0,"
                + " sequence 128) but got 000000000081 (sender 0, sequence 129): lines missing");
    }

    @Test
    void failsOnADuplicatedLine() throws Exception {
        assertFailsThrough(FaultyRelay.Fault.DUPLICATE, "(index 0): line 129: expected stamp 000000000081 (sender 0,"
                + " sequence 129) but got 000000000080 (sender 0, sequence 128): a line duplicated or out of order");
    }

    @Test
    void failsOnAPayloadByteCorruptedInTheMiddle() throws Exception {
        assertFailsThrough(FaultyRelay.Fault.CORRUPT, "(index 0): line 128 byte ", " expected " + (int) 'm',
                "but got " + (int) 'M');
    }

    @Test
    void failsOnALineFromTheWrongSender() throws Exception {
        assertFailsThrough(FaultyRelay.Fault.SWAP, ": line 128: expected stamp 000", "(sender 1, sequence 128)",
                "a line from another sender");
    }

    /** Runs 2 pairs through a relay with {@code fault}: the driver must fail, naming the receiver and the fault. */
    private static void assertFailsThrough(FaultyRelay.Fault fault, String... messageParts) throws Exception {
        try (FaultyRelay relay = FaultyRelay.start(fault);
             LoadDriver driver = LoadDriver.forwarding(relay.address(), 2, 64, 8, TIMEOUT)) {
            assertThatThrownBy(() -> driver.awaitDelivered(Long.MAX_VALUE, TIMEOUT))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("failed: receiver 127.0.0.1:")
                    .hasMessageContainingAll(messageParts);
        }
    }
}
