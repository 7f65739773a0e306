package io.chatnio;

import static io.chatnio.FlowTestSupport.ANY_PORT;
import static io.chatnio.FlowTestSupport.awaitRegistrySize;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link Reactor#stats()} reports, and that reading it never depends on the loop being free. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatsTest {
    private final FlowTestSupport support = new FlowTestSupport();

    @AfterEach
    void tearDown() throws Exception {
        support.close();
    }

    @Test
    void statsOffTheLoopAnswerWhileTheLoopIsBusy() throws Exception {
        Reactor reactor = support.start(Reactor.builder().handler((c, p) -> c.message().put(p).send()), "stats-busy");
        TestClient client = support.connect(reactor.bind(ANY_PORT));
        awaitRegistrySize(reactor, 1);
        client.writeLine("one");
        assertThat(client.readLine()).isEqualTo("one");
        ReactorStats before = reactor.stats();

        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        reactor.execute(() -> { // the loop is stuck in application code for a while
            busy.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();
            ReactorStats during = reactor.stats(); // must not wait for the loop, nor read its state
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(tookMillis).as("answered without the loop").isLessThan(5_000);
            assertThat(during.connectionsOpen()).isEqualTo(1);
            assertThat(during.messagesIn()).isEqualTo(before.messagesIn());
            assertThat(during.messagesOut()).isEqualTo(before.messagesOut());
            assertThat(during.loopPasses()).isPositive();
        } finally {
            release.countDown();
        }
    }

    @Test
    void theLongestPassCountsTimerTimeInPassesWithoutIo() throws Exception {
        Reactor reactor = support.start(Reactor.builder().handler((c, p) -> { }), "stats-pass");
        CountDownLatch ran = new CountDownLatch(1);
        reactor.schedule(1, TimeUnit.MILLISECONDS, () -> { // a pass with no ready key: only this timer works
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(60);
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            ran.countDown();
        });
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        FlowTestSupport.twoPasses(reactor);
        assertThat(reactor.stats().longestPassNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(60));
    }
}
