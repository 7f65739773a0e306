package io.chatnio.internal;

import io.chatnio.RateLimit;

/**
 * One connection's rate-limit bucket: {@code burst} tokens, refilled at {@code messagesPerSecond}; each
 * inbound message takes one.
 *
 * <p><b>Threading.</b> Owned by one connection; only called on its loop thread.
 */
final class TokenBucket {
    private final double rate;
    private final int burst;
    /** Tokens left as of {@link #at}; between 0 and burst. */
    private double tokens;
    /** Loop clock time the tokens were counted at. */
    private long at;

    TokenBucket(RateLimit limit, long now) {
        this.rate = limit.messagesPerSecond();
        this.burst = limit.burst();
        this.tokens = burst;
        this.at = now;
    }

    /** Takes a token if one is there at {@code now}. */
    boolean take(long now) {
        tokens = Math.min(burst, tokens + (now - at) * rate / 1e9);
        at = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Nanoseconds after the last {@link #take} until a token is due. */
    long nanosUntilToken() {
        return (long) Math.ceil((1 - tokens) * 1e9 / rate);
    }
}
