package io.chatnio;

import java.nio.ByteBuffer;

/**
 * Splits one connection's inbound byte stream into frames.
 *
 * <p><b>Threading.</b> One instance per connection, created by {@link FrameCodec#newDecoder()} and only ever
 * called on that connection's loop thread. It may keep state between calls (for example how far it has
 * already scanned), but never a reference to {@code in}.
 *
 * <p><b>Ownership.</b> {@code in} belongs to the loop. The decoder may read it and move its position and
 * limit as described below; it must not write into it or keep it after returning.
 */
@FunctionalInterface
public interface FrameDecoder {

    /** Returned by {@link #decode} when {@code in} does not yet hold a complete frame. */
    int NEED_MORE = -1;

    /**
     * Looks for one complete frame starting at {@code in.position()} and ending at or before {@code in.limit()}.
     *
     * <ul>
     *   <li>Returns {@link #NEED_MORE} if the bytes in {@code [position, limit)} are the start of a frame that
     *       is not complete yet. Position and limit are left unchanged. The caller keeps those bytes and calls
     *       again with the same start and more bytes after them.</li>
     *   <li>Returns {@code end > position}, the index just past the frame, if a complete frame occupies
     *       {@code [position, end)}. Before returning, the decoder moves {@code position} to the first byte of
     *       the frame's payload and {@code limit} to one past its last byte. The caller hands the payload to
     *       the application, then sets position to {@code end} and restores the limit itself.</li>
     * </ul>
     *
     * @throws FrameException if the bytes can never form a valid frame (too long, malformed). The connection
     *                        is then closed; bytes of earlier frames have already been delivered.
     */
    int decode(ByteBuffer in) throws FrameException;
}
