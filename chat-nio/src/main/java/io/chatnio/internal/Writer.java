package io.chatnio.internal;

import io.chatnio.Connection;
import io.chatnio.FrameCodec;
import io.chatnio.MessageWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes one message in place into pooled chunks: the codec's header slot, the payload, the trailer. In
 * direct mode the first chunk is the recipient's {@link OutboundQueue#own} chunk, taken out of the queue for
 * the duration of the message, so most 1:1 messages are one copy into memory that the socket write reads
 * straight from. In fan-out mode the chunks are the writer's own and every recipient queue references the
 * same ranges: one encoding, no copy per recipient.
 *
 * <p>The writer holds one reference to each chunk it wrote into ({@link #held}); queues take their own
 * references when the message is sent, and the writer's are released when the message ends. An unsent
 * message is rolled back without trace.
 *
 * <p><b>Threading.</b> Loop thread only; each loop has two, one for {@link Connection#message()} and
 * {@link io.chatnio.Reactor#fanout()}, one for {@link Connection#send}.
 */
final class Writer implements MessageWriter {
    private static final int IDLE = 0;
    private static final int DIRECT = 1;
    private static final int FANOUT = 2;

    private final EventLoop loop;
    private final ChunkPool pool;
    private final FrameCodec codec;
    private final int headerLength;
    private final byte[] trailer;

    /** IDLE, DIRECT or FANOUT. */
    private int mode = IDLE;
    /** Recipient in DIRECT mode, else {@code null}. */
    private Conn target;
    /** Chunks written into by this message, each with one reference held by the writer; {@code [0, heldCount)}. */
    private Chunk[] held = new Chunk[8];
    private int heldCount;
    /** Where this message starts in {@code held[0]}. */
    private int firstStart;
    /** Position of the header slot in {@code held[0]}. */
    private int headerIndex;
    /** Payload bytes so far. */
    private int length;
    /** Fan-out only: the chunk later fan-outs continue in, with one reference held here; or {@code null}. */
    private Chunk arena;
    /** Slow-consumer policy for this message, or null for the reactor's default. */
    private io.chatnio.SlowConsumerPolicy policy;
    /** Scratch for {@link #putDecimal}: the digits of a long, written from the end. */
    private final byte[] digits = new byte[20];
    /** Whether {@link #seal} has appended the trailer and filled the header of the current message. */
    private boolean sealed;

    Writer(EventLoop loop, ChunkPool pool, FrameCodec codec) {
        this.loop = loop;
        this.pool = pool;
        this.codec = codec;
        this.headerLength = codec.headerLength();
        this.trailer = codec.trailer();
    }

    /** Starts a message to {@code conn}, discarding any unsent one. */
    Writer beginDirect(Conn conn) {
        discard();
        OutboundQueue q = conn.out;
        Chunk first = q.own;
        q.own = null;
        if (first == null || first.room() < headerLength + 1) {
            if (first != null) {
                pool.release(first);
            }
            first = pool.take();
        }
        start(first);
        mode = DIRECT;
        target = conn;
        return this;
    }

    /** Starts a fan-out message, discarding any unsent one. */
    Writer beginFanout() {
        discard();
        Chunk first = arena;
        arena = null;
        if (first == null || first.room() < headerLength + 1) {
            if (first != null) {
                pool.release(first);
            }
            first = pool.take();
        }
        start(first);
        mode = FANOUT;
        sealed = false;
        return this;
    }

    private void start(Chunk first) {
        first.buf.clear(); // absolute puts are checked against the limit, which a gathering write may have lowered
        policy = null;
        held[0] = first;
        heldCount = 1;
        firstStart = first.writeIndex;
        headerIndex = first.writeIndex;
        first.writeIndex += headerLength;
        length = 0;
    }

    private Chunk current() {
        if (mode == IDLE) {
            throw new IllegalStateException("no message in progress");
        }
        if (sealed) {
            throw new IllegalStateException("fan-out already sent; begin a new one");
        }
        Chunk c = held[heldCount - 1];
        if (c.room() == 0) {
            c = pool.take();
            if (heldCount == held.length) {
                held = java.util.Arrays.copyOf(held, heldCount * 2);
            }
            held[heldCount++] = c;
        }
        ByteBuffer b = c.buf;
        if (b.limit() != b.capacity()) {
            // Absolute puts are checked against the limit, and a gathering write of a queue that shares this
            // chunk (a fan-out arena) may have lowered it since; the bytes we write are past its ranges.
            b.clear();
        }
        return c;
    }

    @Override
    public MessageWriter put(ByteBuffer src) {
        loop.assertInLoop();
        int pos = src.position();
        int remaining = src.limit() - pos;
        while (remaining > 0) {
            Chunk c = current();
            int n = Math.min(c.room(), remaining);
            c.buf.put(c.writeIndex, src, pos, n);
            c.writeIndex += n;
            pos += n;
            remaining -= n;
            length += n;
        }
        src.position(pos);
        return this;
    }

    @Override
    public MessageWriter put(byte[] src, int offset, int len) {
        loop.assertInLoop();
        java.util.Objects.checkFromIndexSize(offset, len, src.length);
        putRaw(src, offset, len);
        length += len;
        return this;
    }

    private void putRaw(byte[] src, int offset, int len) {
        while (len > 0) {
            Chunk c = current();
            int n = Math.min(c.room(), len);
            c.buf.put(c.writeIndex, src, offset, n);
            c.writeIndex += n;
            offset += n;
            len -= n;
        }
    }

    @Override
    public MessageWriter put(byte b) {
        loop.assertInLoop();
        putByte(b);
        return this;
    }

    /** {@link #put(byte)} without the thread check, for callers that made it. */
    private void putByte(byte b) {
        Chunk c = current();
        c.buf.put(c.writeIndex++, b);
        length++;
    }

    @Override
    public MessageWriter putDecimal(long value) {
        loop.assertInLoop();
        if (value == Long.MIN_VALUE) {
            return putUtf8("-9223372036854775808");
        }
        byte[] d = digits;
        int i = d.length;
        long v = Math.abs(value);
        do {
            d[--i] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
        if (value < 0) {
            d[--i] = '-';
        }
        putRaw(d, i, d.length - i);
        length += d.length - i;
        return this;
    }

    @Override
    public MessageWriter putUtf8(CharSequence s) {
        loop.assertInLoop();
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                putByte((byte) ch);
            } else if (ch < 0x800) {
                putByte((byte) (0xC0 | (ch >> 6)));
                putByte((byte) (0x80 | (ch & 0x3F)));
            } else if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(ch, s.charAt(++i));
                putByte((byte) (0xF0 | (cp >> 18)));
                putByte((byte) (0x80 | ((cp >> 12) & 0x3F)));
                putByte((byte) (0x80 | ((cp >> 6) & 0x3F)));
                putByte((byte) (0x80 | (cp & 0x3F)));
            } else if (Character.isSurrogate(ch)) {
                putByte((byte) '?');
            } else {
                putByte((byte) (0xE0 | (ch >> 12)));
                putByte((byte) (0x80 | ((ch >> 6) & 0x3F)));
                putByte((byte) (0x80 | (ch & 0x3F)));
            }
        }
        return this;
    }

    @Override
    public MessageWriter onSlowConsumer(io.chatnio.SlowConsumerPolicy policy) {
        loop.assertInLoop();
        if (mode == IDLE) {
            throw new IllegalStateException("no message in progress");
        }
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
        return this;
    }

    @Override
    public int length() {
        return length;
    }

    /** Appends the trailer and fills the header: the message's bytes are final from here on. */
    private void seal() {
        if (trailer.length > 0) {
            putRaw(trailer, 0, trailer.length);
        }
        if (headerLength > 0) {
            held[0].buf.clear();
            codec.writeHeader(held[0].buf, headerIndex, length);
        }
        sealed = true;
    }

    /** Appends this message's ranges to {@code q}; {@code isShared} for a fan-out. */
    private void appendTo(OutboundQueue q, boolean isShared) {
        q.append(held[0], firstStart, held[0].writeIndex, isShared);
        for (int k = 1; k < heldCount; k++) {
            q.append(held[k], 0, held[k].writeIndex, isShared);
        }
    }

    /** Appends a private copy of this message's bytes to {@code q}. */
    private void copyTo(OutboundQueue q) {
        q.appendCopy(held[0].buf, firstStart, held[0].writeIndex, pool);
        for (int k = 1; k < heldCount; k++) {
            q.appendCopy(held[k].buf, 0, held[k].writeIndex, pool);
        }
    }

    @Override
    public void send() {
        loop.assertInLoop();
        if (mode != DIRECT) {
            throw new IllegalStateException(mode == FANOUT ? "a fan-out is sent with sendTo" : "no message in progress");
        }
        seal();
        Conn conn = target;
        OutboundQueue q = conn.out;
        io.chatnio.SlowConsumerPolicy p = policy != null ? policy : loop.defaultPolicy(false);
        if (conn.isClosedOnLoop() || !loop.admit(conn, p)) {
            discard();
            return;
        }
        appendTo(q, false);
        // The last chunk becomes the queue's own chunk again, unless a send that interleaved with this
        // message already gave the queue a new one.
        Chunk last = held[heldCount - 1];
        if (q.own == null) {
            q.own = last;
            held[--heldCount] = null; // the writer's reference passes to the queue
        }
        releaseHeld();
        mode = IDLE;
        target = null;
        sealed = false;
        loop.queued(conn, p, length);
    }

    @Override
    public void sendTo(Connection recipient) {
        loop.assertInLoop();
        if (mode != FANOUT) {
            throw new IllegalStateException(mode == DIRECT ? "a direct message is sent with send()" : "no message in progress");
        }
        if (!sealed) {
            seal();
        }
        Conn conn = (Conn) recipient;
        if (conn.loop != loop || conn.isClosedOnLoop()) {
            return;
        }
        io.chatnio.SlowConsumerPolicy p = policy != null ? policy : loop.defaultPolicy(true);
        if (!loop.admit(conn, p)) {
            return;
        }
        OutboundQueue q = conn.out;
        if (q.sharedEntries() < EventLoop.MAX_SHARED_ENTRIES) {
            appendTo(q, true);
        } else {
            copyTo(q); // bound what a backlogged recipient pins: see MAX_SHARED_ENTRIES
        }
        loop.queued(conn, p, length);
    }

    /** Ends whatever message is in progress: a fan-out is finished, an unsent direct message dropped. */
    void discard() {
        if (mode == IDLE) {
            return;
        }
        if (mode == DIRECT) {
            rollbackDirect();
        } else {
            // Keep the last chunk as the arena for the next fan-out; its sent bytes stay immutable.
            Chunk last = held[heldCount - 1];
            arena = last;
            held[--heldCount] = null;
            if (!sealed) {
                // Nothing was sent: reclaim the space in the arena too.
                if (heldCount == 0) {
                    last.writeIndex = firstStart;
                } else {
                    last.writeIndex = 0;
                    held[0].writeIndex = firstStart;
                }
            }
            releaseHeld();
        }
        mode = IDLE;
        target = null;
        sealed = false;
    }

    /** Undoes an unsent direct message: the first chunk goes back to its queue as it was. */
    private void rollbackDirect() {
        Chunk first = held[0];
        first.writeIndex = firstStart; // bytes from firstStart on belonged to this message only
        OutboundQueue q = target.out;
        if (q.own == null && !target.isClosedOnLoop()) {
            q.own = first; // the writer's reference passes back to the queue
            held[0] = held[--heldCount];
            held[heldCount] = null;
        }
        releaseHeld();
    }

    private void releaseHeld() {
        for (int k = 0; k < heldCount; k++) {
            pool.release(held[k]);
            held[k] = null;
        }
        heldCount = 0;
    }

    /** Releases the arena chunk; called when the loop ends. */
    void close() {
        discard();
        if (arena != null) {
            pool.release(arena);
            arena = null;
        }
    }
}
