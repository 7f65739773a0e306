package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives a seed protocol server at full speed from ONE thread with its own {@link Selector}, and counts
 * what is delivered.
 *
 * <p>Scenarios:
 * <ul>
 *   <li>{@link #forwarding}: P receivers and P senders; sender i sends {@code IP:PORT:<payload>\n} to
 *       receiver i, keeping at most {@code window} messages in flight (sent, not yet received by receiver i).</li>
 *   <li>{@link #fanout}: N members join a room, one sender sends {@code #ROOM:<payload>\n}; every member
 *       receives every message. At most {@code window} messages are in flight (not yet received by all).</li>
 * </ul>
 * Before any load, each receiving connection sends itself a direct message ({@code ready}, or after
 * {@code /join ROOM} the message {@code joined}) and waits for it: this proves the server registered it
 * (and, on one connection being ordered, processed the join). The first two lines each receiver gets (that
 * confirmation and the first delivered message) are checked byte for byte. After them every line a
 * receiver gets has the same length (it has one sender, and every message the same payload), so receivers
 * count bytes, not line feeds: deliveries are the bytes past the confirmation over the line length, and
 * the byte at every line end is checked to be {@code '\n'} (one load per line, where scanning for line
 * feeds would read every byte, the driver's largest cost at 1 KiB). A line of any other length shifts
 * every later line end and fails the driver, as does anything arriving at a sender (an error or offline
 * notice).
 *
 * <p>No per-message allocation: each sender writes from a pre-encoded direct buffer holding
 * {@code window + 1} copies of its line (the byte stream is periodic, so any credited range of it is one
 * contiguous slice), in one {@code write} per readiness round; reads go to one shared direct buffer.
 *
 * <p>Threading: the static factories connect on the calling thread, then hand every channel to the
 * driver thread ({@code "load-driver"}), which alone touches channels and counters afterwards.
 * {@link #delivered()}, {@link #awaitDelivered}, {@link #firstDeliveredLine} and {@link #close} may be
 * called from any thread; {@code awaitDelivered} parks the caller and is unparked by the driver thread.
 */
public final class LoadDriver implements AutoCloseable {

    /** The room the fan-out scenario uses. */
    public static final String ROOM = "bench";

    private static final int READ_BUFFER_SIZE = 256 * 1024;
    private static final int MAX_READS_PER_EVENT = 8;
    private static final long SELECT_TIMEOUT_MILLIS = 100;
    private static final long CLOSE_TIMEOUT_MILLIS = 5_000;

    private final String description;
    private final int window;
    private final boolean fanout;
    private final Selector selector;
    private final Receiver[] receivers;
    private final Sender[] senders;
    private final Thread thread;
    private final CountDownLatch ready = new CountDownLatch(1);

    // Driver thread only.
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE).order(ByteOrder.nativeOrder());
    private final Sender[] dirty;
    private int dirtyCount;
    private long deliveredByDriver;
    /** Fan-out: members still to receive message m are in {@code pending[m % window]}. */
    private final int[] pending;
    /** Fan-out: messages received by every member. */
    private long completed;

    // Shared.
    private volatile boolean running = true;
    private volatile long delivered;
    /** Receivers whose confirmation line arrived; written by the driver thread only. */
    private volatile int confirmed;
    private volatile Throwable failure;
    private volatile Thread waiter;
    private volatile long waitTarget = Long.MAX_VALUE;

    private LoadDriver(String description, int window, boolean fanout, Receiver[] receivers, Sender[] senders,
                       Selector selector) {
        this.description = description;
        this.window = window;
        this.fanout = fanout;
        this.receivers = receivers;
        this.senders = senders;
        this.selector = selector;
        this.dirty = new Sender[senders.length];
        this.pending = fanout ? new int[window] : null;
        this.thread = new Thread(this::run, "load-driver");
        this.thread.setDaemon(true);
    }

    /**
     * Connects {@code pairs} receivers and {@code pairs} senders to {@code server}, confirms each receiver
     * is registered, and starts sending; returns once load is flowing.
     *
     * @throws IOException when connecting fails or the server is not ready within {@code timeoutNanos}
     */
    public static LoadDriver forwarding(InetSocketAddress server, int pairs, int payloadBytes, int window,
                                        long timeoutNanos) throws IOException {
        byte[] payload = payload(payloadBytes);
        long deadline = System.nanoTime() + timeoutNanos;
        Selector selector = Selector.open();
        Receiver[] receivers = new Receiver[pairs];
        Sender[] senders = new Sender[pairs];
        try {
            for (int i = 0; i < pairs; i++) {
                SocketChannel ch = connect(server, deadline);
                receivers[i] = new Receiver(ch, selector, i);
            }
            for (int i = 0; i < pairs; i++) {
                SocketChannel ch = connect(server, deadline);
                Receiver target = receivers[i];
                byte[] line = concat(ascii(SeedProtocol.format(target.address) + ":"), payload, ascii("\n"));
                senders[i] = new Sender(ch, selector, line, window);
                byte[] hello = ascii(SeedProtocol.format(target.address) + ":ready\n");
                target.expect(hello, concat(SeedProtocol.deliveredLine(target.address.getPort(), ascii("ready")),
                        SeedProtocol.deliveredLine(senders[i].port, payload)));
            }
        } catch (IOException | RuntimeException e) {
            closeAll(selector, receivers, senders);
            throw e;
        }
        String description = "forwarding pairs=" + pairs + " payload=" + payloadBytes + " window=" + window;
        return new LoadDriver(description, window, false, receivers, senders, selector).start(deadline);
    }

    /**
     * Connects {@code members} members and one sender to {@code server}; each member joins {@link #ROOM}
     * and confirms it; then the sender starts sending to the room. Returns once load is flowing.
     *
     * @throws IOException when connecting fails or the server is not ready within {@code timeoutNanos}
     */
    public static LoadDriver fanout(InetSocketAddress server, int members, int payloadBytes, int window,
                                    long timeoutNanos) throws IOException {
        byte[] payload = payload(payloadBytes);
        long deadline = System.nanoTime() + timeoutNanos;
        Selector selector = Selector.open();
        Receiver[] receivers = new Receiver[members];
        Sender[] senders = new Sender[1];
        try {
            for (int i = 0; i < members; i++) {
                receivers[i] = new Receiver(connect(server, deadline), selector, i);
            }
            byte[] line = concat(ascii("#" + ROOM + ":"), payload, ascii("\n"));
            senders[0] = new Sender(connect(server, deadline), selector, line, window);
            byte[] delivered = SeedProtocol.deliveredLine(senders[0].port, payload);
            for (Receiver member : receivers) {
                byte[] hello = ascii("/join " + ROOM + "\n" + SeedProtocol.format(member.address) + ":joined\n");
                member.expect(hello, concat(SeedProtocol.deliveredLine(member.address.getPort(), ascii("joined")),
                        delivered));
            }
        } catch (IOException | RuntimeException e) {
            closeAll(selector, receivers, senders);
            throw e;
        }
        String description = "fanout members=" + members + " payload=" + payloadBytes + " window=" + window;
        return new LoadDriver(description, window, true, receivers, senders, selector).start(deadline);
    }

    /**
     * The payload every message carries: printable ASCII with a ':' every 16 bytes, so the server must
     * take everything after the second ':' as the message.
     */
    public static byte[] payload(int size) {
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (i % 16 == 15 ? ':' : 'a' + i % 26);
        }
        return payload;
    }

    /** Messages delivered so far (lines received by receivers, confirmations excluded). */
    public long delivered() {
        return delivered;
    }

    /**
     * Blocks until at least {@code count} messages in total have been delivered.
     *
     * @return true when reached, false when {@code timeoutNanos} elapsed first
     * @throws IllegalStateException when the driver failed (a server error, a wrong byte, a closed connection)
     */
    public boolean awaitDelivered(long count, long timeoutNanos) {
        if (delivered >= count) {
            return true;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        waitTarget = count;
        waiter = Thread.currentThread();
        try {
            // Bounded by the deadline; each park ends by unpark (target reached, failure) or timeout.
            while (true) {
                checkHealthy();
                if (delivered >= count) {
                    return true;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                LockSupport.parkNanos(this, remaining);
            }
        } finally {
            waiter = null;
            waitTarget = Long.MAX_VALUE;
        }
    }

    /**
     * The bytes of the first message line receiver (or member) {@code index} got, once it has one, else
     * null. They have already been checked against the expected line.
     */
    public byte[] firstDeliveredLine(int index) {
        byte[] line = receivers[index].firstDelivered;
        return line == null ? null : line.clone();
    }

    /** The local port (the port the server sees) of receiver or member {@code index}. */
    public int receiverPort(int index) {
        return receivers[index].address.getPort();
    }

    /** The local port of sender {@code index} (the fan-out scenario has sender 0 only). */
    public int senderPort(int index) {
        return senders[index].port;
    }

    /** Stops the driver thread and closes every connection; idempotent. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CLOSE_TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeAll(selector, receivers, senders);
    }

    @Override
    public String toString() {
        return description;
    }

    private LoadDriver start(long deadlineNanos) throws IOException {
        thread.start();
        boolean isReady;
        try {
            isReady = ready.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while waiting for " + this, e);
        }
        Throwable cause = failure;
        if (!isReady || cause != null) {
            close();
            throw new IOException(description + ": server not ready, " + confirmed + "/" + receivers.length
                    + " receivers confirmed", cause);
        }
        return this;
    }

    private void checkHealthy() {
        Throwable cause = failure;
        if (cause != null) {
            throw new IllegalStateException(description + " failed: " + cause.getMessage(), cause);
        }
        if (!running) {
            throw new IllegalStateException(description + " is closed");
        }
    }

    // ---------------------------------------------------------------- driver thread

    private void run() {
        try {
            for (Receiver r : receivers) {
                r.writeHello();
            }
            while (running) {
                selector.select(this::onSelected, SELECT_TIMEOUT_MILLIS);
                pumpDirtySenders();
                publish();
            }
        } catch (Throwable t) {
            fail(t);
        } finally {
            running = false;
            ready.countDown();
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    private void onSelected(SelectionKey key) {
        try {
            if (!key.isValid()) {
                return;
            }
            Connection c = (Connection) key.attachment();
            if (key.isReadable()) {
                if (c instanceof Receiver r) {
                    onReadable(r);
                } else {
                    onSenderReadable((Sender) c);
                }
            }
            if (key.isValid() && key.isWritable()) {
                if (c instanceof Sender s) {
                    s.pump();
                } else {
                    ((Receiver) c).writeHello();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void onReadable(Receiver r) throws IOException {
        ByteBuffer buf = readBuffer;
        for (int reads = 0; reads < MAX_READS_PER_EVENT; reads++) {
            buf.clear();
            int n = r.channel.read(buf);
            if (n < 0) {
                throw new IOException("server closed receiver " + r.address);
            }
            if (n == 0) {
                return;
            }
            r.verify(buf, n);
            long before = r.lines;
            r.countLines(buf, n);
            if (before == 0 && r.lines > 0) {
                onConfirmed();
            }
            long newlyDelivered = Math.max(0, r.lines - 1) - Math.max(0, before - 1);
            if (newlyDelivered > 0) {
                onDelivered(r, newlyDelivered);
            }
            if (n < buf.capacity()) {
                return;
            }
        }
    }

    private void onSenderReadable(Sender s) throws IOException {
        ByteBuffer buf = readBuffer;
        buf.clear();
        int n = s.channel.read(buf);
        if (n < 0) {
            throw new IOException("server closed sender " + s.port);
        }
        if (n > 0) {
            buf.flip();
            throw new IOException("sender " + s.port + " got an unexpected reply: " + UTF_8.decode(buf));
        }
    }

    private void onConfirmed() {
        int n = confirmed + 1;
        confirmed = n;
        if (n < receivers.length) {
            return;
        }
        if (fanout) {
            Arrays.fill(pending, receivers.length);
        }
        for (Sender s : senders) {
            s.credit = window;
            markDirty(s);
        }
        ready.countDown();
    }

    private void onDelivered(Receiver r, long count) throws IOException {
        long first = r.delivered;
        r.delivered = first + count;
        deliveredByDriver += count;
        Sender s = fanout ? senders[0] : senders[r.index];
        if (r.delivered > s.messagesWritten()) {
            throw new IOException("receiver " + r.address + " got " + r.delivered + " lines but sender " + s.port
                    + " wrote only " + s.messagesWritten() + " messages");
        }
        if (!fanout) {
            s.credit = r.delivered + window;
            markDirty(s);
            return;
        }
        for (long m = first; m < r.delivered; m++) {
            pending[(int) (m % window)]--;
        }
        long done = completed;
        while (done < s.credit && pending[(int) (done % window)] == 0) {
            pending[(int) (done % window)] = receivers.length; // the slot's next message, m + window
            done++;
        }
        if (done != completed) {
            completed = done;
            s.credit = done + window;
            markDirty(s);
        }
    }

    private void markDirty(Sender s) {
        if (!s.dirty) {
            s.dirty = true;
            dirty[dirtyCount++] = s;
        }
    }

    private void pumpDirtySenders() throws IOException {
        for (int i = 0; i < dirtyCount; i++) {
            Sender s = dirty[i];
            dirty[i] = null;
            s.dirty = false;
            s.pump();
        }
        dirtyCount = 0;
    }

    private void publish() {
        long d = deliveredByDriver;
        if (d != delivered) {
            delivered = d;
            if (d >= waitTarget) {
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
        }
    }

    private void fail(Throwable t) {
        if (failure == null) {
            failure = t instanceof UncheckedIOException u ? u.getCause() : t;
        }
        running = false;
    }

    /**
     * The buffer index of the first line end in a stream of a {@code firstLength}-byte line followed by
     * {@code lineLength}-byte lines that does not hold {@code '\n'}, where {@code buf[0, n)} holds the stream's
     * bytes from offset {@code offset}; -1 if every line end in that range holds one.
     */
    static int firstBadLineEnd(ByteBuffer buf, int n, long offset, int firstLength, int lineLength) {
        long end = firstLength - 1; // the stream offset of the first line end
        if (offset > end) {
            end += (offset - end + lineLength - 1) / lineLength * lineLength; // the first line end at or after offset
        }
        for (; end < offset + n; end += lineLength) {
            int i = (int) (end - offset);
            if (buf.get(i) != '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Complete lines in the first {@code received} bytes of such a stream. */
    static long completeLines(long received, int firstLength, int lineLength) {
        return received < firstLength ? 0 : 1 + (received - firstLength) / lineLength;
    }

    // ---------------------------------------------------------------- connections

    private static SocketChannel connect(InetSocketAddress server, long deadlineNanos) throws IOException {
        long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (remainingMillis <= 0) {
            throw new IOException("timed out connecting to " + server);
        }
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.socket().connect(server, (int) Math.min(Integer.MAX_VALUE, remainingMillis));
            ch.configureBlocking(false);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static void closeAll(Selector selector, Connection[] receivers, Connection[] senders) {
        for (Connection[] group : new Connection[][] {receivers, senders}) {
            for (Connection c : group) {
                if (c != null) {
                    try {
                        c.channel.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** A registered, non-blocking connection; driver thread only once the driver started. */
    private abstract static class Connection {
        final SocketChannel channel;
        final SelectionKey key;
        private int interest = SelectionKey.OP_READ;

        Connection(SocketChannel channel, Selector selector) throws IOException {
            this.channel = channel;
            this.key = channel.register(selector, SelectionKey.OP_READ, this);
        }

        final void writeInterest(boolean on) {
            int ops = on ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (ops != interest) {
                interest = ops;
                key.interestOps(ops);
            }
        }
    }

    /** Receives and counts lines; checks the first ones byte for byte. */
    private static final class Receiver extends Connection {
        final int index;
        final InetSocketAddress address;
        private ByteBuffer hello;
        /** The first bytes this receiver must get: its confirmation line, then the first message line. */
        private byte[] expected;
        private byte[] observed;
        private int verified;
        private int confirmationLength;
        /** The length of every line after the confirmation. */
        private int lineLength;
        /** Bytes received so far. */
        private long received;
        long lines;
        long delivered;
        /** The first delivered message line, published once complete. */
        volatile byte[] firstDelivered;

        Receiver(SocketChannel channel, Selector selector, int index) throws IOException {
            super(channel, selector);
            this.index = index;
            this.address = (InetSocketAddress) channel.getLocalAddress();
        }

        void expect(byte[] helloBytes, byte[] expectedBytes) {
            hello = ByteBuffer.allocateDirect(helloBytes.length).put(helloBytes).flip();
            expected = expectedBytes;
            observed = new byte[expectedBytes.length];
            int lf = 0;
            while (expectedBytes[lf] != '\n') {
                lf++;
            }
            confirmationLength = lf + 1;
            lineLength = expectedBytes.length - confirmationLength;
        }

        /** Accounts for {@code buf[0, n)}, the next bytes received: updates {@link #lines}; checks line ends. */
        void countLines(ByteBuffer buf, int n) throws IOException {
            int bad = firstBadLineEnd(buf, n, received, confirmationLength, lineLength);
            if (bad >= 0) {
                throw new IOException("receiver " + address + ": no line feed at the end of line "
                        + completeLines(received + bad, confirmationLength, lineLength) + " (lines are "
                        + lineLength + " bytes) but byte " + (buf.get(bad) & 0xFF));
            }
            received += n;
            lines = completeLines(received, confirmationLength, lineLength);
        }

        void writeHello() throws IOException {
            if (hello.hasRemaining()) {
                channel.write(hello);
            }
            writeInterest(hello.hasRemaining());
        }

        void verify(ByteBuffer buf, int n) throws IOException {
            if (verified == expected.length) {
                return;
            }
            int count = Math.min(n, expected.length - verified);
            for (int i = 0; i < count; i++) {
                byte b = buf.get(i);
                observed[verified + i] = b;
                if (b != expected[verified + i]) {
                    throw new IOException("receiver " + address + " expected \"" + new String(expected, UTF_8)
                            + "\" but got \"" + received(buf, i, n) + "\"");
                }
            }
            verified += count;
            if (verified == expected.length) {
                firstDelivered = Arrays.copyOfRange(observed, confirmationLength, expected.length);
            }
        }

        /** What was received up to a mismatch at {@code buf[at]}, and the rest of that line (capped). */
        private String received(ByteBuffer buf, int at, int n) {
            int end = at;
            int cap = Math.min(n, at + 256);
            while (end < cap && buf.get(end) != '\n') {
                end++;
            }
            int from = verified + at; // observed[verified + k] holds buf[k] for every k < at
            int length = end - at + (end < n ? 1 : 0);
            byte[] got = Arrays.copyOf(observed, from + length);
            buf.get(at, got, from, length);
            return new String(got, UTF_8);
        }
    }

    /** Sends its pre-encoded line as often as its credit allows. */
    private static final class Sender extends Connection {
        final int port;
        private final ByteBuffer block;
        private final ByteBuffer view;
        private final int lineLength;
        private long bytesSent;
        /** Messages it may have sent in total. */
        long credit;
        boolean dirty;

        Sender(SocketChannel channel, Selector selector, byte[] line, int window) throws IOException {
            super(channel, selector);
            this.port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
            this.lineLength = line.length;
            this.block = ByteBuffer.allocateDirect(line.length * (window + 1));
            for (int i = 0; i <= window; i++) {
                block.put(line);
            }
            this.view = block.duplicate();
        }

        long messagesWritten() {
            return bytesSent / lineLength;
        }

        /** Writes every credited byte not yet written, in one write. */
        void pump() throws IOException {
            long allowed = credit * lineLength - bytesSent;
            if (allowed <= 0) {
                writeInterest(false);
                return;
            }
            int position = (int) (bytesSent % lineLength);
            int limit = position + (int) Math.min(allowed, block.capacity() - position);
            view.limit(limit).position(position);
            bytesSent += channel.write(view);
            writeInterest(view.hasRemaining());
        }
    }
}
