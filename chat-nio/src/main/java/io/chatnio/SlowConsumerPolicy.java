package io.chatnio;

/**
 * What happens when a message is sent to a recipient whose pending output is above its high watermark
 * ({@link ReactorBuilder#writeBufferWatermarks}). Set per reactor with
 * {@link ReactorBuilder#slowConsumerPolicy} (one default for 1:1 messages, one for fan-outs) and per message
 * with {@link MessageWriter#onSlowConsumer}.
 *
 * <p>Memory bound: with any policy but {@link #PAUSE_SENDER}, a recipient's queue never exceeds its high
 * watermark plus one message. With {@link #PAUSE_SENDER} it may exceed it by one message per sender that is
 * still sending to it, since each such sender is paused right after its message is queued.
 */
public enum SlowConsumerPolicy {
    /**
     * Queue the message, then stop reading from the sender until every recipient it is waiting for has
     * drained below its low watermark: TCP pushes back to the sender, and nothing is lost. The default for
     * 1:1 messages. Messages sent from a task or timer (no sender) are queued.
     */
    PAUSE_SENDER,
    /** Close the slow recipient at once (logged, counted in {@code slowConsumerCloses}). The default for fan-outs. */
    DISCONNECT,
    /** Discard the new message for this recipient (counted in {@code messagesDropped}). */
    DROP_NEWEST,
    /**
     * Queue the new message and discard the oldest whole messages not yet begun on the wire until the
     * queue is back at the high watermark (counted in {@code messagesDropped}).
     */
    DROP_OLDEST
}
