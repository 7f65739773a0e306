package io.chatnio.bench;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The buffered output of one connection of {@link BufferedBlockingSeedServer}, written to by the reading
 * threads of every connection that sends it something: each complete line is appended under this outbox's
 * lock, so lines from different senders never interleave and each sender's lines keep their order, and the
 * bytes go to the socket in as few {@code write} calls as the senders' read chunks allow.
 *
 * <p><b>When bytes are written.</b> Whoever writes writes everything queued, so a write never strands
 * bytes behind it. Queued bytes are written
 * <ol>
 *   <li>by an append that does not fit, before it copies its line in (a line too big for the buffer then goes
 *       straight to the socket);</li>
 *   <li>by {@link #flush}, which the <em>responsible</em> sender calls: an append that finds the buffer empty
 *       and leaves it non-empty returns true, and its caller must call {@link #flush} before its next blocking
 *       read, that is, at the end of the read chunk it is routing (or when it stops reading).</li>
 * </ol>
 * So while the buffer is non-empty one sender is responsible for it, the one whose append made it non-empty
 * since the last write, and that sender flushes before it next waits for input. Appending to a non-empty
 * buffer needs no flush of one's own: the responsible sender will write those bytes too. A sender blocked in
 * a write to a slow connection delays the connections it is responsible for, as a blocked writer delays every
 * sender to its target in any thread-per-connection server; that is its back-pressure.
 *
 * <p>Threading: any thread. Every method takes the lock and may block in a socket write while holding it
 * (other senders to this connection then wait: back-pressure). A thread holds at most one outbox lock at a
 * time, so outboxes cannot deadlock on each other. The lock is a {@link ReentrantLock} because a virtual
 * thread blocking in I/O inside {@code synchronized} pins its carrier before JDK 24.
 */
final class Outbox {

    /** Bytes queued before they must be written; also the largest single write of queued bytes. */
    static final int CAPACITY = 64 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Socket socket;
    private final OutputStream out;
    /** Queued bytes in {@code [0, size)}; null until the first append (senders that never receive need none). */
    private byte[] queued;
    /** Queued byte count, 0 to {@link #CAPACITY}; guarded by {@link #lock}. */
    private int size;
    /** A write failed and the socket was closed: everything is dropped from then on; guarded by {@link #lock}. */
    private boolean failed;

    /** @param socket the connection, whose output stream this outbox is the only writer of */
    Outbox(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
    }

    /**
     * Appends {@code head + body[index, index + length) + tail} as one line. Returns true when the caller has
     * become responsible for calling {@link #flush} (see the class comment). Any thread.
     */
    boolean appendLine(byte[] head, ByteBuf body, int index, int length, byte[] tail) {
        int total = head.length + length + tail.length;
        lock.lock();
        try {
            if (failed) {
                return false;
            }
            boolean wasEmpty = size == 0;
            if (size + total > CAPACITY) {
                writeQueued();
                if (failed) {
                    return false;
                }
                wasEmpty = true;
                if (total > CAPACITY) { // only lines near the 64 KiB maximum: straight out, three writes
                    writeThrough(head, body, index, length, tail);
                    return false;
                }
            }
            if (queued == null) {
                queued = new byte[CAPACITY];
            }
            byte[] q = queued;
            int at = size;
            System.arraycopy(head, 0, q, at, head.length);
            at += head.length;
            body.getBytes(index, q, at, length);
            at += length;
            System.arraycopy(tail, 0, q, at, tail.length);
            size = at + tail.length;
            return wasEmpty;
        } finally {
            lock.unlock();
        }
    }

    /** Appends a constant line ({@code bytes} is never modified); returns as {@link #appendLine}. Any thread. */
    boolean append(byte[] bytes) {
        lock.lock();
        try {
            if (failed) {
                return false;
            }
            boolean wasEmpty = size == 0;
            if (size + bytes.length > CAPACITY) {
                writeQueued(); // constant lines are short: never bigger than the buffer
                if (failed) {
                    return false;
                }
                wasEmpty = true;
            }
            if (queued == null) {
                queued = new byte[CAPACITY];
            }
            System.arraycopy(bytes, 0, queued, size, bytes.length);
            size += bytes.length;
            return wasEmpty;
        } finally {
            lock.unlock();
        }
    }

    /** Writes every queued byte, blocking until the socket took them. Any thread. */
    void flush() {
        lock.lock();
        try {
            writeQueued();
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: writes and empties the queue; on failure closes the socket and drops everything. */
    private void writeQueued() {
        if (size == 0 || failed) {
            size = 0;
            return;
        }
        try {
            out.write(queued, 0, size);
        } catch (IOException e) {
            fail();
        } finally {
            size = 0;
        }
    }

    /** Under the lock, with nothing queued: one line bigger than the buffer, written in its three parts. */
    private void writeThrough(byte[] head, ByteBuf body, int index, int length, byte[] tail) {
        if (failed) {
            return;
        }
        try {
            out.write(head);
            body.getBytes(index, out, length);
            out.write(tail);
        } catch (IOException e) {
            fail();
        }
    }

    /** Under the lock. The connection's own reading thread sees the close and unregisters it. */
    private void fail() {
        failed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
