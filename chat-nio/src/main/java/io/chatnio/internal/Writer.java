package io.chatnio.internal;

import io.chatnio.Connection;
import io.chatnio.FrameCodec;
import io.chatnio.MessageWriter;
import io.chatnio.SlowConsumerPolicy;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Builds outbound messages in place ({@link MessageWriter}). A direct message is encoded with its
 * recipient's codec, starting in the recipient queue's own tail chunk, so most 1:1 messages are one copy
 * into memory the socket write reads from. A fan-out is encoded once per distinct codec among its
 * recipients: the payload is put into the encoding of the reactor's codec, and a recipient framed
 * differently gets an encoding copied from it the first time its codec is met in that message; every
 * recipient queue references the shared bytes.
 *
 * <p><b>Threading.</b> Loop thread only; each reactor has two, one for {@link Connection#message()} and
 * {@link io.chatnio.Reactor#fanout()}, one for {@link Connection#send}. Public methods check the thread.
 */
final class Writer implements MessageWriter {
    private static final int IDLE = 0;
    private static final int DIRECT = 1;
    private static final int FANOUT = 2;
    /** Fan-out encodings kept, one per codec met; beyond this an encoding not in use is evicted. */
    private static final int MAX_FANOUT_CODECS = 8;

    private final EventLoop loop;
    private final ChunkPool pool;
    private final FlowControl flow;
    /** The codec a fan-out's payload is put in first. */
    private final FrameCodec fanoutCodec;

    /** IDLE, DIRECT or FANOUT. */
    private int mode = IDLE;
    /** Recipient in DIRECT mode, else null. */
    private Conn target;
    /** The encoding payload bytes are put into: {@link #direct} or the fan-out codec's. */
    private Encoding current;
    /** The encoding of direct messages. */
    private final Encoding direct = new Encoding();
    /** Fan-out encodings, one per codec, in {@code [0, fanoutCount)}; each keeps its arena chunk. */
    private Encoding[] fanouts = new Encoding[2];
    private int fanoutCount;
    /** Number of the fan-out in progress (or last); encodings with this {@code seq} belong to it. */
    private long fanoutSeq;
    /** Payload bytes so far. */
    private int length;
    /** Slow-consumer policy for this message, or null for the reactor's default. */
    private SlowConsumerPolicy policy;
    /** Scratch for {@link #putDecimal}: the digits of a long, written from the end. */
    private final byte[] digits = new byte[20];

    Writer(EventLoop loop, ChunkPool pool, FlowControl flow, FrameCodec fanoutCodec) {
        this.loop = loop;
        this.pool = pool;
        this.flow = flow;
        this.fanoutCodec = fanoutCodec;
    }

    /** Starts a message to {@code conn}, discarding any unsent one. */
    Writer beginDirect(Conn conn) {
        discard();
        Encoding e = direct;
        e.setCodec(conn.codec);
        OutboundQueue q = conn.out;
        Chunk first = null;
        if (q != null) {
            first = q.own;
            q.own = null;
        }
        if (first == null || first.room() < e.headerLength + 1) {
            if (first != null) {
                pool.release(first);
            }
            first = pool.take();
        }
        e.start(first);
        begin(DIRECT, e);
        target = conn;
        return this;
    }

    /** Starts a fan-out message, discarding any unsent one. */
    Writer beginFanout() {
        discard();
        fanoutSeq++;
        Encoding e = fanoutEncoding(fanoutCodec);
        e.startInArena(pool);
        e.seq = fanoutSeq;
        begin(FANOUT, e);
        return this;
    }

    private void begin(int mode, Encoding e) {
        this.mode = mode;
        this.current = e;
        this.policy = null;
        this.length = 0;
    }

    /** The encoding kept for {@code codec}, made (or recycled) on first use. */
    private Encoding fanoutEncoding(FrameCodec codec) {
        for (int i = 0; i < fanoutCount; i++) {
            if (fanouts[i].codec == codec) {
                return fanouts[i];
            }
        }
        Encoding e;
        if (fanoutCount < MAX_FANOUT_CODECS) {
            if (fanoutCount == fanouts.length) {
                fanouts = java.util.Arrays.copyOf(fanouts, fanoutCount * 2);
            }
            e = fanouts[fanoutCount++] = new Encoding();
        } else {
            e = null;
            for (int i = 0; i < fanoutCount && e == null; i++) {
                if (fanouts[i].seq != fanoutSeq) {
                    e = fanouts[i];
                }
            }
            if (e == null) {
                throw new IllegalStateException("more than " + MAX_FANOUT_CODECS + " codecs in one fan-out");
            }
            e.releaseArena(pool);
            e.seq = -1;
        }
        e.setCodec(codec);
        return e;
    }

    private Encoding writable() {
        if (mode == IDLE) {
            throw new IllegalStateException("no message in progress");
        }
        if (current.sealed) {
            throw new IllegalStateException("fan-out already sent; begin a new one");
        }
        return current;
    }

    @Override
    public MessageWriter put(ByteBuffer src) {
        loop.assertInLoop();
        int pos = src.position();
        int n = src.limit() - pos;
        writable().put(src, pos, n, pool);
        length += n;
        src.position(pos + n);
        return this;
    }

    @Override
    public MessageWriter put(byte[] src, int offset, int len) {
        loop.assertInLoop();
        Objects.checkFromIndexSize(offset, len, src.length);
        writable().put(src, offset, len, pool);
        length += len;
        return this;
    }

    @Override
    public MessageWriter put(byte b) {
        loop.assertInLoop();
        writable().put(b, pool);
        length++;
        return this;
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
        writable().put(d, i, d.length - i, pool);
        length += d.length - i;
        return this;
    }

    @Override
    public MessageWriter putUtf8(CharSequence s) {
        loop.assertInLoop();
        Encoding e = writable();
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                e.put((byte) ch, pool);
                length++;
            } else if (ch < 0x800) {
                e.put((byte) (0xC0 | (ch >> 6)), pool);
                e.put((byte) (0x80 | (ch & 0x3F)), pool);
                length += 2;
            } else if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(ch, s.charAt(++i));
                e.put((byte) (0xF0 | (cp >> 18)), pool);
                e.put((byte) (0x80 | ((cp >> 12) & 0x3F)), pool);
                e.put((byte) (0x80 | ((cp >> 6) & 0x3F)), pool);
                e.put((byte) (0x80 | (cp & 0x3F)), pool);
                length += 4;
            } else if (Character.isSurrogate(ch)) {
                e.put((byte) '?', pool);
                length++;
            } else {
                e.put((byte) (0xE0 | (ch >> 12)), pool);
                e.put((byte) (0x80 | ((ch >> 6) & 0x3F)), pool);
                e.put((byte) (0x80 | (ch & 0x3F)), pool);
                length += 3;
            }
        }
        return this;
    }

    @Override
    public MessageWriter onSlowConsumer(SlowConsumerPolicy policy) {
        loop.assertInLoop();
        if (mode == IDLE) {
            throw new IllegalStateException("no message in progress");
        }
        this.policy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void send() {
        loop.assertInLoop();
        if (mode != DIRECT) {
            throw new IllegalStateException(mode == FANOUT ? "a fan-out is sent with sendTo" : "no message in progress");
        }
        Encoding e = direct;
        e.seal(length, pool);
        Conn conn = target;
        SlowConsumerPolicy p = policy != null ? policy : flow.defaultPolicy(false);
        if (!flow.admit(conn, p)) {
            discard();
            return;
        }
        OutboundQueue q = conn.queue();
        e.appendTo(q, false);
        e.handOver(q, pool);
        int bytes = e.encodedLength(length);
        mode = IDLE;
        target = null;
        flow.queued(conn, p, bytes);
    }

    @Override
    public void sendTo(Connection recipient) {
        loop.assertInLoop();
        if (mode != FANOUT) {
            throw new IllegalStateException(mode == DIRECT ? "a direct message is sent with send()" : "no message in progress");
        }
        Encoding primary = current;
        if (!primary.sealed) {
            primary.seal(length, pool);
        }
        if (!(recipient instanceof Conn conn) || conn.reactor.loop != loop || !conn.acceptsOutput()) {
            return;
        }
        Encoding e = primary;
        if (conn.codec != primary.codec) {
            e = fanoutEncoding(conn.codec);
            if (e.seq != fanoutSeq) { // first recipient with this codec: encode once more, from the payload
                e.startInArena(pool);
                e.seq = fanoutSeq;
                e.putPayloadOf(primary, length, pool);
                e.seal(length, pool);
            }
        }
        SlowConsumerPolicy p = policy != null ? policy : flow.defaultPolicy(true);
        if (!flow.admit(conn, p)) {
            return;
        }
        OutboundQueue q = conn.queue();
        if (q.sharedEntries() < OutboundQueue.MAX_SHARED_ENTRIES) {
            e.appendTo(q, true);
        } else {
            e.copyTo(q, pool); // bound what a backlogged recipient pins: see MAX_SHARED_ENTRIES
        }
        flow.queued(conn, p, e.encodedLength(length));
    }

    /** Ends whatever message is in progress: a fan-out is finished, an unsent direct message rolled back. */
    void discard() {
        if (mode == IDLE) {
            return;
        }
        if (mode == DIRECT) {
            direct.rollBack(target.out, target.acceptsOutput(), pool); // out null: the chunk goes to the pool
        } else {
            for (int i = 0; i < fanoutCount; i++) {
                Encoding e = fanouts[i];
                if (e.seq == fanoutSeq && e.first() != null) {
                    e.finishFanout(pool);
                }
            }
        }
        mode = IDLE;
        target = null;
        current = null;
    }

    /** Ends any message and releases the arenas; called when the loop ends. */
    void close() {
        discard();
        for (int i = 0; i < fanoutCount; i++) {
            fanouts[i].releaseArena(pool);
        }
    }
}
