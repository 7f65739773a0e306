package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The load driver's selector loop: one thread ({@value #THREAD_NAME}) that writes every receiver's hello,
 * then reads every connection, hands what receivers get to their {@link LineChecker}, keeps the flow
 * control (at most {@code window} messages in flight per pair, or per room in fan-out), pumps the senders
 * and publishes the delivery count.
 *
 * <p>Reads go to one shared direct buffer; nothing is allocated per message.
 *
 * <p>TLS connections ({@link LoadConnection#tls} set) first do their handshakes, receivers first, at most
 * {@value #MAX_HANDSHAKES} at a time (a server may refuse a storm of them: chat-nio queues at most 1,024
 * handshakes' tasks), none waiting: every readiness event of a connection still handshaking goes to its
 * {@link TlsLoadChannel}; when one is done, a receiver writes its hello or a sender pumps, and the next
 * handshake starts. The driver is ready once every receiver is confirmed and every handshake done. Reads
 * then hand the records' plaintext to the same checkers, from the same shared buffer. A connection knows
 * whether it is TLS; the loop checks once per readiness event.
 *
 * <p>Threading: {@link #run} is the driver thread's body and the only code that touches connections,
 * checkers and the fields marked "driver thread". {@link #delivered}, {@link #confirmed}, {@link #failure},
 * {@link #running}, {@link #awaitReady}, {@link #stop} and {@link #deliveries} (see {@link DeliveryGate}) may be
 * called from any thread.
 */
final class LoadLoop implements Runnable {

    /** The driver thread's name (LoadMain and AllocationCheck find its CPU time by it). */
    static final String THREAD_NAME = "load-driver";

    private static final int READ_BUFFER_SIZE = 256 * 1024;
    private static final int MAX_READS_PER_EVENT = 8;
    private static final long SELECT_TIMEOUT_MILLIS = 100;
    /** TLS handshakes in progress at once, at most. */
    static final int MAX_HANDSHAKES = 128;

    /** Messages in flight per pair (forwarding) or per room (fan-out). */
    private final int window;
    /** Fan-out: one sender, every receiver gets its every message. Forwarding: sender i to receiver i. */
    private final boolean fanout;
    /** The selector every connection is registered with. */
    private final Selector selector;
    /** Receivers, by index. */
    private final LoadReceiver[] receivers;
    /** Senders, by index. */
    private final LoadSender[] senders;
    /**
     * Counted down when every receiver is confirmed, the senders have credit and every TLS handshake is done, or
     * when the loop ends.
     */
    private final CountDownLatch ready = new CountDownLatch(1);

    /** Driver thread: the read buffer, big-endian as {@link LineChecker} requires. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    /** Driver thread: senders whose credit grew this round, {@code dirty[0, dirtyCount)}. */
    private final LoadSender[] dirty;
    /** Driver thread: entries of {@link #dirty} in use. */
    private int dirtyCount;
    /** Driver thread: messages delivered, ahead of the published {@link #delivered}. */
    private long deliveredByDriver;
    /** Driver thread, fan-out: members still to receive message m are in {@code pending[m % window]}. */
    private final int[] pending;
    /** Driver thread, fan-out: messages received by every member. */
    private long completed;
    /** TLS handshakes to do: one per connection in a TLS scenario (all are TLS or none), else 0. */
    private final int handshakes;
    /** Driver thread: the next connection to start its handshake, an index into receivers then senders. */
    private int nextHandshake;
    /** Driver thread: TLS handshakes started and not done. */
    private int handshakesInProgress;
    /** Driver thread: TLS handshakes done. */
    private int handshakesDone;

    /** False once stopped or failed; the loop ends soon after. */
    private volatile boolean running = true;
    /** The delivery count, published for the benchmark thread, which waits on it. */
    final DeliveryGate deliveries = new DeliveryGate();
    /** Receivers whose confirmation line arrived; written by the driver thread only. */
    private volatile int confirmed;
    /** The first failure of the driver thread, else null. */
    private volatile Throwable failure;

    LoadLoop(Selector selector, LoadReceiver[] receivers, LoadSender[] senders, int window, boolean fanout) {
        this.selector = selector;
        this.receivers = receivers;
        this.senders = senders;
        this.window = window;
        this.fanout = fanout;
        this.dirty = new LoadSender[senders.length];
        this.pending = fanout ? new int[window] : null;
        this.handshakes = receivers[0].tls != null ? receivers.length + senders.length : 0;
    }

    Selector selector() {
        return selector;
    }

    long delivered() {
        return deliveries.delivered();
    }

    int confirmed() {
        return confirmed;
    }

    Throwable failure() {
        return failure;
    }

    boolean running() {
        return running;
    }

    /** Waits until every receiver is confirmed or the loop ended; true if confirmed in time. */
    boolean awaitReady(long timeoutNanos) throws InterruptedException {
        return ready.await(timeoutNanos, TimeUnit.NANOSECONDS) && failure == null && confirmed == receivers.length;
    }

    /** Asks the loop to end; it does within one selection round. */
    void stop() {
        running = false;
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            if (handshakes == 0) {
                for (LoadReceiver r : receivers) {
                    r.writeHello();
                }
            }
            while (running) {
                if (nextHandshake < handshakes) {
                    startHandshakes();
                }
                selector.select(this::onSelected, SELECT_TIMEOUT_MILLIS);
                pumpDirtySenders();
                publish();
            }
        } catch (Throwable t) {
            if (failure == null) {
                failure = t instanceof UncheckedIOException u ? u.getCause() : t;
            }
        } finally {
            running = false;
            ready.countDown();
            deliveries.loopEnded();
        }
    }

    private void onSelected(SelectionKey key) {
        try {
            if (!key.isValid()) {
                return;
            }
            Object c = key.attachment();
            TlsLoadChannel tls = ((LoadConnection) c).tls;
            if (tls != null && tls.handshaking()) {
                if (!tls.begun()) { // only the client speaks first in TLS
                    throw new IOException("a server spoke or closed before the TLS handshake of "
                            + ((LoadConnection) c).channel.getLocalAddress() + " began");
                }
                continueHandshake((LoadConnection) c);
                return;
            }
            if (key.isReadable()) {
                if (c instanceof LoadReceiver r) {
                    onReadable(r);
                } else {
                    onSenderReadable((LoadSender) c);
                }
            }
            if (key.isValid() && key.isWritable()) {
                if (c instanceof LoadSender s) {
                    s.pump();
                } else {
                    ((LoadReceiver) c).writeHello();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts handshakes, in order, while fewer than {@link #MAX_HANDSHAKES} are in progress. */
    private void startHandshakes() throws IOException {
        while (nextHandshake < handshakes && handshakesInProgress < MAX_HANDSHAKES) {
            int k = nextHandshake++;
            handshakesInProgress++;
            continueHandshake(k < receivers.length ? receivers[k] : senders[k - receivers.length]);
        }
    }

    /** Advances {@code c}'s TLS handshake; once it is done, starts the connection's part of the scenario. */
    private void continueHandshake(LoadConnection c) throws IOException {
        boolean done = c.tls.handshake(readBuffer);
        c.writeInterest(c.tls.hasPendingOutput());
        if (!done) {
            return;
        }
        handshakesInProgress--;
        handshakesDone++;
        // Records that came with the handshake's last flight (session tickets) are unwrapped now: the
        // socket may have nothing more to signal.
        if (c instanceof LoadReceiver r) {
            r.writeHello();
            onReadable(r);
        } else {
            LoadSender s = (LoadSender) c;
            onSenderReadable(s);
            s.pump();
        }
        countDownIfReady();
    }

    /** Load flows once every receiver is confirmed (the senders have their credit) and every handshake is done. */
    private void countDownIfReady() {
        if (confirmed == receivers.length && handshakesDone == handshakes) {
            ready.countDown();
        }
    }

    private void onReadable(LoadReceiver r) throws IOException {
        ByteBuffer buf = readBuffer;
        LineChecker checker = r.checker();
        for (int reads = 0; reads < MAX_READS_PER_EVENT; reads++) {
            buf.clear();
            int n = r.read(buf);
            if (n < 0) {
                throw new IOException("server closed receiver " + SeedProtocol.format(r.address));
            }
            if (n == 0) {
                return;
            }
            boolean wasConfirmed = checker.confirmed();
            long before = checker.lines();
            checker.accept(buf, 0, n);
            if (!wasConfirmed && checker.confirmed()) {
                onConfirmed();
            }
            long lines = checker.lines();
            if (lines != before) {
                onDelivered(r, before, lines);
            }
            if (n < buf.capacity()) { // always for TLS: its read stops once it has too little room for more
                return;
            }
        }
    }

    private void onSenderReadable(LoadSender s) throws IOException {
        ByteBuffer buf = readBuffer;
        buf.clear();
        int n = s.read(buf);
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
        for (LoadSender s : senders) {
            s.credit = window;
            markDirty(s);
        }
        countDownIfReady();
    }

    /** Receiver {@code r} has now received messages {@code [first, end)}; credits its sender (or the room). */
    private void onDelivered(LoadReceiver r, long first, long end) throws IOException {
        deliveredByDriver += end - first;
        LoadSender s = fanout ? senders[0] : senders[r.index];
        if (end > s.messagesWritten()) { // a server making up lines the sender has not written yet
            throw new IOException("receiver " + SeedProtocol.format(r.address) + " got " + end + " lines but sender "
                    + s.port + " wrote only " + s.messagesWritten() + " messages");
        }
        if (!fanout) {
            s.credit = end + window;
            markDirty(s);
            return;
        }
        for (long m = first; m < end; m++) {
            pending[(int) (m % window)]--;
        }
        long done = completed;
        while (done < s.credit && pending[(int) (done % window)] == 0) {
            pending[(int) (done % window)] = receivers.length; // the slot's next message, done + window
            done++;
        }
        if (done != completed) {
            completed = done;
            s.credit = done + window;
            markDirty(s);
        }
    }

    private void markDirty(LoadSender s) {
        if (!s.dirty) {
            s.dirty = true;
            dirty[dirtyCount++] = s;
        }
    }

    private void pumpDirtySenders() throws IOException {
        for (int i = 0; i < dirtyCount; i++) {
            LoadSender s = dirty[i];
            dirty[i] = null;
            s.dirty = false;
            s.pump();
        }
        dirtyCount = 0;
    }

    private void publish() {
        deliveries.publish(deliveredByDriver);
    }
}
