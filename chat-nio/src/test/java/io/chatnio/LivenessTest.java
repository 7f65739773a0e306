package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.await;
import static io.chatnio.FlowTestSupport.awaitRegistrySize;
import static io.chatnio.FlowTestSupport.directByAddress;
import static io.chatnio.FlowTestSupport.onLoop;
import static io.chatnio.FlowTestSupport.registered;
import static io.chatnio.FlowTestSupport.tick;
import static io.chatnio.FlowTestSupport.to;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.FlowTestSupport.RoutingHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Idle timeout and heartbeat on a {@link ManualClock}: time only moves when the test says so, so "after the
 * timeout and not before" is exact and nothing sleeps. The liveness sweep is a loop timer every
 * {@code min(shortest period / 4, 1 s)}; {@link FlowTestSupport#tick} advances the clock, wakes the loop and
 * waits until the pass that ran the due timers has ended.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LivenessTest {
    private final FlowTestSupport support = new FlowTestSupport();

    @AfterEach
    void tearDown() throws Exception {
        support.close();
    }

    /** Sends {@code line} and waits until the server has decoded it (so it counts as a sign of life now). */
    private static void say(Reactor reactor, TestClient client, String line) throws Exception {
        long before = reactor.stats().messagesIn();
        client.writeLine(line);
        await("the server read " + line, () -> reactor.stats().messagesIn() > before);
    }

    private static int members(Reactor reactor, String room) throws Exception {
        return onLoop(reactor, r -> r.members(room).size());
    }

    @Test
    void idleTimeoutClosesSilentConnectionsAfterTheTimeoutAndNotBefore() throws Exception {
        ManualClock clock = new ManualClock();
        RoutingHandler handler = new RoutingHandler(Routers.rooms(Routers.Envelope.bare(), "ERR "));
        Reactor reactor = support.start(Reactor.builder().handler(handler).clock(clock)
                .idleTimeout(Duration.ofSeconds(10)), "liveness-loop"); // sweep every 1 s
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient silent = support.connect(address);
        TestClient chatty = support.connect(address);
        say(reactor, silent, "/join lobby");
        say(reactor, chatty, "/join lobby");
        assertThat(members(reactor, "lobby")).isEqualTo(2);

        // 9.999 s of loop time: the silent one is still there, the chatty one speaks every second.
        for (int s = 1; s <= 9; s++) {
            tick(reactor, clock, 1_000);
            say(reactor, chatty, "#lobby:second " + s);
        }
        tick(reactor, clock, 999);
        assertThat(registered(reactor, silent)).isTrue();
        assertThat(reactor.stats().idleCloses()).isZero();
        assertThat(handler.closed).isEmpty();

        // 10 s exactly: the sweep closes the silent one (gracefully: what it was sent is flushed first).
        tick(reactor, clock, 1);
        assertThat(handler.awaitClosed(silent.localAddress()).cause()).isNull();
        for (int s = 1; s <= 9; s++) {
            assertThat(silent.readLine()).isEqualTo("second " + s);
        }
        assertThat(silent.readLine()).isNull();
        assertThat(reactor.stats().idleCloses()).isEqualTo(1);
        assertThat(registered(reactor, silent)).isFalse();
        assertThat(members(reactor, "lobby")).isEqualTo(1);
        assertThat(registered(reactor, chatty)).isTrue();

        // The chatty one stays as long as it speaks, then goes 10 s after its last word.
        for (int s = 0; s < 5; s++) {
            tick(reactor, clock, 1_000);
            say(reactor, chatty, "/join lobby");
        }
        for (int s = 1; s <= 9; s++) {
            tick(reactor, clock, 1_000);
            assertThat(registered(reactor, chatty)).as("open after %d silent seconds", s).isTrue();
        }
        tick(reactor, clock, 1_000);
        assertThat(chatty.awaitClosed()).isTrue();
        awaitRegistrySize(reactor, 0);
        assertThat(reactor.stats().idleCloses()).isEqualTo(2);
        assertThat(members(reactor, "lobby")).isZero();

        // A newcomer is unaffected by the history.
        TestClient fresh = support.connect(address);
        say(reactor, fresh, "/join lobby");
        tick(reactor, clock, 9_000);
        assertThat(registered(reactor, fresh)).isTrue();
    }

    @Test
    void heartbeatPingsAfterTheIntervalAndClosesWhoeverDoesNotAnswer() throws Exception {
        ManualClock clock = new ManualClock();
        RoutingHandler handler = new RoutingHandler((sender, message, registry) -> { });
        Reactor reactor = support.start(Reactor.builder().handler(handler).clock(clock)
                .heartbeat(Duration.ofSeconds(5), Duration.ofSeconds(2), "PING".getBytes(StandardCharsets.UTF_8)),
                "liveness-loop"); // sweep every 500 ms
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient answers = support.connect(address);
        TestClient mute = support.connect(address);
        awaitRegistrySize(reactor, 2);

        for (int i = 1; i <= 9; i++) { // 4.5 s: no ping yet
            tick(reactor, clock, 500);
        }
        assertThat(reactor.stats().messagesOut()).isZero();
        tick(reactor, clock, 500); // 5 s: both are pinged once
        assertThat(answers.readLine()).isEqualTo("PING");
        assertThat(mute.readLine()).isEqualTo("PING");
        assertThat(reactor.stats().messagesOut()).isEqualTo(2);
        say(reactor, answers, "pong"); // any frame answers

        for (int i = 1; i <= 3; i++) { // 6.5 s: the mute one still has time
            tick(reactor, clock, 500);
        }
        assertThat(registered(reactor, mute)).isTrue();
        assertThat(reactor.stats().messagesOut()).as("one ping per silence").isEqualTo(2);
        tick(reactor, clock, 500); // 7 s = interval + timeout: closed
        assertThat(handler.awaitClosed(mute.localAddress()).cause()).hasMessageContaining("heartbeat timeout");
        assertThat(mute.awaitClosed()).isTrue();
        assertThat(reactor.stats().idleCloses()).isEqualTo(1);
        assertThat(registered(reactor, answers)).isTrue();

        // The one that answered at 5 s is pinged again at 10 s; silent this time, it goes at 12 s.
        for (int i = 1; i <= 5; i++) { // 9.5 s
            tick(reactor, clock, 500);
        }
        assertThat(reactor.stats().messagesOut()).isEqualTo(2);
        tick(reactor, clock, 500); // 10 s
        assertThat(answers.readLine()).isEqualTo("PING");
        for (int i = 1; i <= 3; i++) { // 11.5 s
            tick(reactor, clock, 500);
        }
        assertThat(registered(reactor, answers)).isTrue();
        tick(reactor, clock, 500); // 12 s
        assertThat(answers.awaitClosed()).isTrue();
        awaitRegistrySize(reactor, 0);
        ReactorStats stats = reactor.stats();
        assertThat(stats.idleCloses()).isEqualTo(2);
        assertThat(stats.messagesOut()).isEqualTo(3);
        assertThat(stats.connectionsOpen()).isZero();
    }

    /**
     * A sender paused by backpressure (PAUSE_SENDER: its recipient is slow) has bytes waiting that the server
     * chose not to read; that is not silence, so the idle timeout must not close it.
     *
     * <p>Library bug: {@code EventLoop.sweepLiveness} measures silence from {@code Conn.lastReadNanos}, which only
     * moves when the server reads; a connection whose reading the server paused looks silent and is closed once
     * the pause outlasts the idle timeout. PAUSE_SENDER, meant to lose nothing, then disconnects the innocent
     * sender of a slow consumer (and drops what it had sent but the server had not read).
     */
    @Test
    void idleTimeoutSparesASenderPausedByBackpressure() throws Exception {
        ManualClock clock = new ManualClock();
        RoutingHandler handler = new RoutingHandler(directByAddress());
        Reactor reactor = support.start(Reactor.builder().handler(handler).clock(clock)
                .writeBufferWatermarks(8 * 1024, 32 * 1024)
                .idleTimeout(Duration.ofSeconds(10)), "liveness-loop");
        InetSocketAddress address = reactor.bind(ANY_PORT);
        TestClient slow = support.connect(address, 4096);
        TestClient sender = support.connect(address);
        awaitRegistrySize(reactor, 2);

        // The sender writes far more than the slow recipient takes; the server pauses reading it.
        int count = 6_000;
        StringBuilder line = new StringBuilder();
        while (line.length() < 1000) {
            line.append("x");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            out.writeBytes((to(slow) + i + " " + line + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        byte[] bytes = out.toByteArray();
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            try {
                sender.write(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        long[] last = {-1};
        await("the server stops reading the sender", Duration.ofSeconds(10), () -> {
            long in = reactor.stats().messagesIn();
            boolean settled = in == last[0] && in < count;
            last[0] = in;
            if (!settled) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
            return settled;
        });
        assertThat(reactor.stats().messagesIn()).as("lines the server read before pausing").isLessThan(count);

        // Eleven seconds pass; the slow recipient keeps talking, the paused sender cannot. The recipient talks
        // to the sender, whose queue is empty: a message to itself would queue behind its own backlog and, if
        // that backlog were above the high watermark, rightly pause its reading too.
        for (int s = 1; s <= 11; s++) {
            tick(reactor, clock, 1_000);
            say(reactor, slow, to(sender) + "alive " + s);
        }
        assertThat(registered(reactor, slow)).isTrue();
        assertThat(reactor.stats().idleCloses()).as("idle closes").isZero();
        assertThat(registered(reactor, sender)).as("the paused sender is still connected").isTrue();
        for (int s = 1; s <= 11; s++) {
            assertThat(sender.readLine()).isEqualTo("alive " + s);
        }

        // Once the recipient reads, everything the sender wrote arrives, in order.
        int got = 0;
        for (String l; got < count && (l = slow.readLine()) != null; got++) {
            assertThat(l).startsWith(got + " ");
        }
        assertThat(got).isEqualTo(count);
        sending.get(10, TimeUnit.SECONDS);
    }
}
