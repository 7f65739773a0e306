package io.chatnio.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The message lines 0, 1, 2, ... one load sender writes ({@link LoadSender} for the seed protocol,
 * {@link IrcClient} for IRC), each stamped with the sender's index and its sequence number
 * ({@link MessageStamp}).
 *
 * <p>The lines come from a direct buffer encoded once, a ring of {@code window + 1} line slots, message m in
 * slot {@code m % (window + 1)}. Only the sequence digits differ between lines; they are patched in place
 * (one {@code putLong}) just before a line is first framed for writing. At most {@code window} lines are
 * credited beyond the last fully written one, so a credited range is at most two slices of the ring (its end,
 * then its start), written by one gathering write; and a slot is patched again only once the line it held
 * was fully written. No allocation per message.
 *
 * <p>Threading: built on the thread that sets the scenario up; afterwards the driver thread only.
 */
final class LineRing {
    /** Names the sender in errors. */
    private final String name;
    /** The ring: {@link #slots} lines. */
    private final ByteBuffer block;
    /** A view of {@link #block} framing the first slice of each write: from the next byte to write. */
    private final ByteBuffer head;
    /** A view of {@link #block} framing the second slice of a write that wraps: from the ring's start. */
    private final ByteBuffer tail;
    /** {@link #head} and {@link #tail}, for the gathering write. */
    private final ByteBuffer[] pair;
    /** Bytes per line, line end included. */
    private final int lineLength;
    /** Slots in the ring: {@code window + 1}. */
    private final int slots;
    /** Offset of the sequence digits in a line. */
    private final int sequenceAt;
    /** Bytes written so far (with TLS: plaintext bytes wrapped). */
    private long bytesSent;
    /** Messages whose sequence digits are in their slot: every message before this one. */
    private long encoded;
    /** The slot of message {@link #encoded}: {@code encoded % slots}. */
    private int nextSlot;

    /**
     * @param name names the sender in errors
     * @param line its line with the stamp of sequence 0 at {@code stampAt}
     * @param window the most messages credited beyond the last fully written one
     */
    LineRing(String name, byte[] line, int stampAt, int window) {
        this.name = name;
        this.lineLength = line.length;
        this.slots = window + 1;
        this.sequenceAt = stampAt + MessageStamp.SENDER_DIGITS;
        this.block = ByteBuffer.allocateDirect(Math.multiplyExact(line.length, slots));
        for (int i = 0; i < slots; i++) {
            block.put(line);
        }
        this.head = block.duplicate();
        this.tail = block.duplicate();
        this.pair = new ByteBuffer[] {head, tail};
    }

    /** Messages written completely. */
    long messagesWritten() {
        return bytesSent / lineLength;
    }

    /** Whether no line is partly written. */
    boolean atLineBoundary() {
        return bytesSent % lineLength == 0;
    }

    /**
     * Frames every credited byte not yet written ({@code credit}: messages it may have sent in total) in
     * {@link #slices()}, patching the sequence digits of lines not yet encoded.
     *
     * @return the number of slices framed: 0 (nothing to write), 1 or 2
     */
    int frame(long credit) {
        long allowed = credit * lineLength - bytesSent;
        if (allowed <= 0) {
            return 0;
        }
        if (encoded < credit) {
            encodeUpTo(credit);
        }
        int ring = slots * lineLength;
        int position = (int) (bytesSent % ring);
        int first = (int) Math.min(allowed, ring - position);
        head.limit(position + first).position(position);
        if (first == allowed) {
            return 1;
        }
        tail.limit((int) (allowed - first)).position(0);
        return 2;
    }

    /** The slices {@link #frame} framed, for a writer that takes buffers (TLS); then report it with {@link #wrote}. */
    ByteBuffer[] slices() {
        return pair;
    }

    /** {@code n} bytes of the framed slices were written (with TLS: wrapped). */
    void wrote(long n) {
        bytesSent += n;
    }

    /**
     * Writes the {@code count} slices {@link #frame} framed to {@code channel} in one call (a gathering one for
     * two) and counts what it took.
     *
     * @return whether some of them are left
     */
    boolean writeTo(SocketChannel channel, int count) throws IOException {
        if (count == 1) {
            bytesSent += channel.write(head);
            return head.hasRemaining();
        }
        bytesSent += channel.write(pair);
        return tail.hasRemaining();
    }

    /** Patches the sequence digits of messages {@link #encoded} to {@code end - 1} into their slots. */
    private void encodeUpTo(long end) {
        if (end - messagesWritten() > slots) {
            throw new IllegalStateException(name + ": message " + (end - 1) + " would overwrite a line not yet written");
        }
        int slot = nextSlot;
        for (long m = encoded; m < end; m++) {
            block.putLong(slot * lineLength + sequenceAt, MessageStamp.hex8((int) m));
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
        nextSlot = slot;
        encoded = end;
    }
}
