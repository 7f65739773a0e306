package io.chatnio.internal;

import io.chatnio.RateLimit;
import io.chatnio.Refusal;
import io.chatnio.SlowConsumerPolicy;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flow control in one place: the slow-consumer policies applied when a message is queued, pausing a sender
 * behind a slow recipient (and resuming it when the recipient drains, in {@link Conn#releaseWaiters}), and
 * the inbound rate limit.
 *
 * <p>Memory bound: a recipient's queue exceeds its high watermark by at most one message under DISCONNECT,
 * DROP_NEWEST and DROP_OLDEST, and by one message per sender still sending to it under PAUSE_SENDER (each
 * such sender is paused right after its message is queued).
 *
 * <p><b>Threading.</b> Loop thread only; every method is "Only called on the loop thread".
 */
final class FlowControl {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);

    private final ReactorImpl reactor;
    private final Stats stats;
    private final ChunkPool chunks;
    private final int highWatermark;
    private final int lowWatermark;
    private final SlowConsumerPolicy directPolicy;
    private final SlowConsumerPolicy fanoutPolicy;
    /** Null for no rate limit. */
    private final RateLimit rateLimit;
    /** The connection whose frame is being handled, or null: the sender PAUSE_SENDER pauses. */
    private Conn currentSender;

    FlowControl(ReactorImpl reactor, Stats stats, ChunkPool chunks, Config config) {
        this.reactor = reactor;
        this.stats = stats;
        this.chunks = chunks;
        this.highWatermark = config.highWatermark();
        this.lowWatermark = config.lowWatermark();
        this.directPolicy = config.directPolicy();
        this.fanoutPolicy = config.fanoutPolicy();
        this.rateLimit = config.rateLimit();
    }

    /** The policy for a message without an override. */
    SlowConsumerPolicy defaultPolicy(boolean fanout) {
        return fanout ? fanoutPolicy : directPolicy;
    }

    /** Sets the sender whose message is being handled ({@code null} after); returns the previous one. */
    Conn enterSender(Conn sender) {
        Conn previous = currentSender;
        currentSender = sender;
        return previous;
    }

    /**
     * Whether a message may be queued on {@code c}, applying {@code policy} if it is above its high
     * watermark. A recipient over the mark is first given what its socket takes now: a burst queued within
     * one pass is not a slow consumer.
     */
    boolean admit(Conn c, SlowConsumerPolicy policy) {
        if (!c.acceptsOutput()) {
            return false;
        }
        if (c.queuedBytes() <= highWatermark || policy == SlowConsumerPolicy.PAUSE_SENDER
                || policy == SlowConsumerPolicy.DROP_OLDEST || !stillOverHighWatermark(c)) {
            return c.acceptsOutput();
        }
        if (policy == SlowConsumerPolicy.DISCONNECT) {
            stats.slowConsumerCloses++;
            log.info("{}: slow consumer ({} bytes pending); disconnecting", c, c.queuedBytes());
            c.closeLater(new IOException("slow consumer: " + c.queuedBytes() + " bytes pending"));
        } else {
            stats.messagesDropped++; // DROP_NEWEST
        }
        return false;
    }

    /** A writer queued one message of {@code bytes} on {@code c} under {@code policy}. */
    void queued(Conn c, SlowConsumerPolicy policy, int bytes) {
        OutboundQueue q = c.out; // not null: the writer has just appended to it
        q.endMessage(q.pending() > lowWatermark);
        reactor.flusher.queued(c, bytes);
        if (q.pending() > highWatermark) {
            if (policy == SlowConsumerPolicy.DROP_OLDEST) {
                if (stillOverHighWatermark(c)) {
                    long before = q.pending();
                    stats.messagesDropped += q.dropOldest(highWatermark, chunks);
                    reactor.flusher.dropped(before - q.pending());
                }
            } else if (policy == SlowConsumerPolicy.PAUSE_SENDER) {
                Conn sender = currentSender;
                if (sender != null && sender.isOpenOnLoop()) {
                    sender.blockOn(c); // also when sender == c: replies to a peer that does not read pause it
                }
            }
            if (q.pending() > highWatermark) {
                c.becameUnwritable();
            }
        }
    }

    /** Writes what {@code c}'s socket takes now; whether it is still over its high watermark. */
    private boolean stillOverHighWatermark(Conn c) {
        if (!c.writeInterest) {
            IOException failed = reactor.flusher.writeOut(c);
            if (failed != null) {
                c.closeLater(failed);
                return false;
            }
        }
        return c.queuedBytes() > highWatermark;
    }

    /** A new bucket for a connection registered at {@code now}, or null if there is no rate limit. */
    TokenBucket newBucket(long now) {
        return rateLimit == null ? null : new TokenBucket(rateLimit, now);
    }

    /**
     * Takes a rate-limit token for one message from {@code c}. Without one, SLOW_DOWN pauses its reading until
     * a token is due; DISCONNECT refuses it (the application may reply) and closes it gracefully.
     *
     * @return whether the message may be delivered now
     */
    boolean takeToken(Conn c, long now) {
        TokenBucket b = c.bucket;
        if (b == null || b.take(now)) {
            return true;
        }
        if (rateLimit.action() == RateLimit.Action.SLOW_DOWN) {
            c.pause(Conn.PAUSED_BY_RATE);
            reactor.loop.schedule(b.nanosUntilToken(), () -> c.resume(Conn.PAUSED_BY_RATE));
        } else {
            stats.protocolErrors++;
            log.info("{}: rate limit exceeded; closing", c);
            reactor.callbacks.refused(c, Refusal.RATE_LIMITED);
            c.closeGracefully(new IOException("rate limit exceeded"));
        }
        return false;
    }
}
