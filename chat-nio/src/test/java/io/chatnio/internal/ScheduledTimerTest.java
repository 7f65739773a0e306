package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A cancelled timer keeps nothing alive while it waits to leave the loop's queue, and never runs. */
class ScheduledTimerTest {

    @Test
    void cancellingDropsTheTaskAndClaimingFails() {
        ScheduledTimer t = new ScheduledTimer(0, () -> { });
        assertThat(t.cancel()).isTrue();
        assertThat(t.task).as("a cancelled timer's task, which may hold a handshake's buffers").isNull();
        assertThat(t.claim()).as("a cancelled timer is never run").isFalse();
        assertThat(t.cancel()).as("cancelling twice").isFalse();
    }

    @Test
    void aClaimedTimerKeepsItsTaskAndCannotBeCancelled() {
        Runnable task = () -> { };
        ScheduledTimer t = new ScheduledTimer(0, task);
        assertThat(t.claim()).isTrue();
        assertThat(t.cancel()).isFalse();
        assertThat(t.task).isSameAs(task);
    }
}
