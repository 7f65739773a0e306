package io.chatnio.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;

/**
 * A sending connection of the load driver: writes its message lines 0, 1, 2, ... as fast as its credit
 * (messages it may have sent in total, set by the driver's flow control) allows, each line stamped with
 * the sender's index and its sequence number ({@link MessageStamp}).
 *
 * <p>The lines come from a direct buffer encoded once, a ring of {@code window + 1} line slots, message m in
 * slot {@code m % (window + 1)}. Only the sequence digits differ between lines; they are patched in place
 * (one {@code putLong}) just before a line is first written. At most {@code window} lines are credited
 * beyond the last fully written one, so a credited range is at most two slices of the ring (its end, then
 * its start), written by one gathering {@code write}; and a slot is patched again only once the line it
 * held was fully written. No allocation per message.
 *
 * <p>With TLS, "written" means wrapped: the same slices go to {@link TlsLoadChannel#write}, which encrypts
 * them into records (one per 16 KiB of plaintext) and writes those; ciphertext the socket did not take
 * waits in that channel, and a slot is free again once its line is encrypted.
 *
 * <p>Threading: built on the thread that sets the scenario up; afterwards the driver thread only.
 */
final class LoadSender extends LoadConnection {

    /** Its local port: the sender port the server writes in every delivered line. */
    final int port;
    /** Its index, the sender index in its stamps. */
    final int index;
    /** The ring: {@link #slots} lines. */
    private final ByteBuffer block;
    /** A view of {@link #block} framing the first slice of each write: from the next byte to write. */
    private final ByteBuffer head;
    /** A view of {@link #block} framing the second slice of a write that wraps: from the ring's start. */
    private final ByteBuffer tail;
    /** {@link #head} and {@link #tail}, for the gathering write. */
    private final ByteBuffer[] pair;
    /** Bytes per line, {@code '\n'} included. */
    private final int lineLength;
    /** Slots in the ring: {@code window + 1}. */
    private final int slots;
    /** Offset of the sequence digits in a line. */
    private final int sequenceAt;
    /** Bytes written to the channel so far (with TLS: plaintext bytes wrapped). */
    private long bytesSent;
    /** Messages whose sequence digits are in their slot: every message before this one. */
    private long encoded;
    /** The slot of message {@link #encoded}: {@code encoded % slots}. */
    private int nextSlot;
    /** Messages it may have sent in total; only grows. */
    long credit;
    /** Whether it is in the driver's list of senders to pump after this selection round. */
    boolean dirty;

    /**
     * @param line its line with the stamp of sequence 0 at {@code stampAt}
     * @param window the most messages credited beyond the last fully written one
     * @param tlsEngine a client engine for TLS, or null for plain
     */
    LoadSender(SocketChannel channel, Selector selector, int index, byte[] line, int stampAt, int window,
               SSLEngine tlsEngine) throws IOException {
        super(channel, selector, tlsEngine, CONTROL_PACKETS, BULK_PACKETS);
        this.port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        this.index = index;
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

    /**
     * Writes every credited byte not yet written, in one (gathering) write, or with TLS wraps them and writes
     * the records; asks for writability if some is left (with TLS: ciphertext is pending).
     */
    void pump() throws IOException {
        long allowed = credit * lineLength - bytesSent;
        if (allowed <= 0) {
            writeInterest(tls != null && tls.flush());
            return;
        }
        if (encoded < credit) {
            encodeUpTo(credit);
        }
        int ring = slots * lineLength;
        int position = (int) (bytesSent % ring);
        int first = (int) Math.min(allowed, ring - position);
        head.limit(position + first).position(position);
        int slices = 1;
        if (first != allowed) {
            tail.limit((int) (allowed - first)).position(0);
            slices = 2;
        }
        if (tls != null) {
            bytesSent += tls.write(pair, 0, slices);
            writeInterest(tls.hasPendingOutput());
        } else if (slices == 1) {
            bytesSent += channel.write(head);
            writeInterest(head.hasRemaining());
        } else {
            bytesSent += channel.write(pair);
            writeInterest(tail.hasRemaining());
        }
    }

    /** Patches the sequence digits of messages {@link #encoded} to {@code end - 1} into their slots. */
    private void encodeUpTo(long end) {
        if (end - messagesWritten() > slots) {
            throw new IllegalStateException("sender " + port + ": message " + (end - 1) + " would overwrite a line not"
                    + " yet written");
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
