package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmark load over TLS through both TLS servers, as {@link LoadDriverTest} runs it through the plain
 * ones: every connection of the driver does its handshake on the driver thread, and the driver checks every
 * line it decrypts (stamp and line end of each, every 64th byte for byte), so a count reached means every
 * line arrived whole and in order. The expected lines are spelled out here.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsLoadDriverTest {

    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(20);

    @ParameterizedTest
    @ValueSource(strings = {"chatnio-tls", "netty-tls"})
    void forwardsOneToOne(String impl) throws Exception {
        int pairs = 3;
        try (SeedServer server = TestServers.startOnLoopback(impl);
             LoadDriver driver = LoadDriver.forwarding(server.address(), pairs, 64, 8, TIMEOUT,
                     BenchTls.clientContextFor(impl))) {
            assertThat(driver.toString()).endsWith(" tls");
            assertThat(driver.awaitDelivered(pairs * 500L, TIMEOUT)).as("delivered in time").isTrue();
            for (int i = 0; i < pairs; i++) {
                String expected = driver.senderPort(i) + " 账户对您说:" + String.format("%04x", i) + "00000000"
                        + new String(LoadDriver.payload(64), UTF_8).substring(12) + " \n";
                assertThat(LoadDriverTest.firstLine(driver, i)).isEqualTo(expected.getBytes(UTF_8));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"chatnio-tls", "netty-tls"})
    void handshakesMoreConnectionsThanItStartsAtOnce(String impl) throws Exception {
        int pairs = LoadLoop.MAX_HANDSHAKES / 2 + 8; // both ends: more connections than handshakes at once
        try (SeedServer server = TestServers.startOnLoopback(impl);
             LoadDriver driver = LoadDriver.forwarding(server.address(), pairs, 64, 8, TIMEOUT,
                     BenchTls.clientContextFor(impl))) {
            assertThat(driver.awaitDelivered(pairs * 100L, TIMEOUT)).as("delivered in time").isTrue();
            assertThat(LoadDriverTest.firstLine(driver, pairs - 1)).as("the last pair, its handshakes started last")
                    .isNotNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"chatnio-tls", "netty-tls"})
    void fansOutToEveryMember(String impl) throws Exception {
        int members = 5;
        try (SeedServer server = TestServers.startOnLoopback(impl);
             LoadDriver driver = LoadDriver.fanout(server.address(), members, 64, 8, TIMEOUT,
                     BenchTls.clientContextFor(impl))) {
            // A message is credited once every member has it, so each member is within the window of the others.
            assertThat(driver.awaitDelivered(members * 300L, TIMEOUT)).as("delivered in time").isTrue();
            String expected = driver.senderPort(0) + " 账户对您说:" + "000000000000"
                    + new String(LoadDriver.payload(64), UTF_8).substring(12) + " \n";
            for (int i = 0; i < members; i++) {
                assertThat(driver.firstDeliveredLine(i)).isEqualTo(expected.getBytes(UTF_8));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"chatnio-tls", "netty-tls"})
    void forwardsLinesSpanningSeveralRecords(String impl) throws Exception {
        try (SeedServer server = TestServers.startOnLoopback(impl);
             LoadDriver driver = LoadDriver.forwarding(server.address(), 2, 60_000, 4, TIMEOUT,
                     BenchTls.clientContextFor(impl))) {
            assertThat(driver.awaitDelivered(200, TIMEOUT)).as("delivered in time").isTrue();
            assertThat(LoadDriverTest.firstLine(driver, 1)).hasSize(String.valueOf(driver.senderPort(1)).length()
                    + " 账户对您说:".getBytes(UTF_8).length + 60_000 + 2);
        }
    }
}
