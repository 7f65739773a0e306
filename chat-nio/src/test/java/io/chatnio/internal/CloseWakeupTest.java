package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.Reactor;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code close()} racing with a loop that is about to block: the loop has decided to sleep (no tasks, no
 * timers) and published that it sleeps, but has not entered select yet. A close in that window must still
 * end the loop; a close that only woke a loop already flagged as sleeping was lost there forever.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CloseWakeupTest {

    @Test
    void closeInTheWindowBeforeSelectStillEndsTheLoop() throws Exception {
        Reactor reactor = Reactor.builder().handler((c, p) -> { }).threadName("wakeup-loop").daemon(true).start();
        EventLoop loop = ((ReactorImpl) reactor).loop();
        CountDownLatch inWindow = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean(true);
        loop.beforeSleep = () -> {
            if (armed.getAndSet(false)) {
                inWindow.countDown();
                try {
                    closed.await(5, TimeUnit.SECONDS); // hold the loop in the window until close() has run
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        reactor.execute(() -> { }); // one more pass, which then decides to sleep
        assertThat(inWindow.await(10, TimeUnit.SECONDS)).isTrue();

        Thread closer = new Thread(() -> {
            loop.beginClose(Duration.ofSeconds(1).toNanos()); // what close() does first
            closed.countDown();
        });
        closer.start();
        closer.join();
        assertThat(reactor.awaitTermination(10, TimeUnit.SECONDS)).as("the loop ended").isTrue();
    }
}
