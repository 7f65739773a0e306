package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.chatnio.examples.irc.IrcServer;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The IRC load driver against chat-nio's IRC server and, when installed, ngircd: small scenarios (3 pairs, a
 * channel of 5) run until thousands of messages are delivered and checked (no loss, no duplicate, in order,
 * right source and target) and the server's PINGs have been answered.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IrcDriverTest {

    private static final long SETUP_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long DELIVERY_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int PAIRS = 3;
    private static final int MEMBERS = 5;
    private static final int PAYLOAD = 64;
    private static final int WINDOW = 16;

    @Test
    void forwardsAgainstChatNio() throws IOException {
        try (IrcTarget server = chatNioWithPings()) {
            runForwarding(server);
        }
    }

    @Test
    void fansOutAgainstChatNio() throws IOException {
        try (IrcTarget server = chatNioWithPings()) {
            runChannel(server);
        }
    }

    @Test
    void forwardsAgainstNgircd() throws IOException {
        assumeTrue(Ngircd.executable().isPresent(), "ngircd is not installed");
        Ngircd server = Ngircd.start(5);
        try {
            runForwarding(server);
        } finally {
            server.close();
        }
        assertThat(server.isAlive()).as("ngircd stopped").isFalse();
    }

    @Test
    void fansOutAgainstNgircd() throws IOException {
        assumeTrue(Ngircd.executable().isPresent(), "ngircd is not installed");
        Ngircd server = Ngircd.start(5);
        try {
            runChannel(server);
        } finally {
            server.close();
        }
        assertThat(server.isAlive()).as("ngircd stopped").isFalse();
    }

    /** chat-nio's IRC server PINGing clients silent for 100 ms: the idle receivers must answer. */
    private static IrcTarget chatNioWithPings() throws IOException {
        return IrcTarget.chatNio(IrcServer.Options.defaults().withPort(0)
                .withPings(Duration.ofMillis(100), Duration.ofSeconds(20)));
    }

    private static void runForwarding(IrcTarget server) throws IOException {
        try (IrcDriver driver = IrcDriver.forwarding(server, PAIRS, PAYLOAD, WINDOW, SETUP_NANOS)) {
            loadUntilPinged(driver, 3_000);
            for (int i = 0; i < PAIRS; i++) {
                String line = new String(driver.firstDeliveredLine(i), UTF_8);
                assertThat(line).startsWith(":s" + i + "!")
                        .contains(" PRIVMSG r" + i + " :" + MessageStamp.stampText(i, 0))
                        .endsWith("\r\n");
            }
        }
    }

    private static void runChannel(IrcTarget server) throws IOException {
        try (IrcDriver driver = IrcDriver.channel(server, MEMBERS, PAYLOAD, WINDOW, SETUP_NANOS)) {
            loadUntilPinged(driver, 5_000);
            for (int i = 0; i < MEMBERS; i++) {
                String line = new String(driver.firstDeliveredLine(i), UTF_8);
                assertThat(line).startsWith(":s0!")
                        .contains(" PRIVMSG " + IrcDriver.CHANNEL + " :" + MessageStamp.stampText(0, 0))
                        .endsWith("\r\n");
            }
        }
    }

    /**
     * Waits for {@code step} more checked deliveries at a time until at least one PONG answered a PING while
     * the load flowed (the driver fails on any loss, duplicate or stray line meanwhile).
     */
    private static void loadUntilPinged(IrcDriver driver, int step) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long target = 0;
        do {
            target += step;
            assertThat(driver.awaitDelivered(target, DELIVERY_NANOS)).as(driver + " delivered " + target).isTrue();
        } while (driver.pongs() == 0 && System.nanoTime() - deadline < 0);
        assertThat(driver.pongs()).as("PONGs answering the server's PINGs").isPositive();
        assertThat(driver.delivered()).isGreaterThanOrEqualTo(target);
    }
}
