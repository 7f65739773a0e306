package io.chatnio.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The IRC load driver's selector loop: one thread ({@value #THREAD_NAME}) that runs the setup
 * {@link Phase phases} one after the other (each ends when every client of it has the PONG of its step; the
 * last also waits for every receiver's go line), then reads every client, hands what it gets to its
 * {@link IrcLineChecker}, keeps the flow control (at most {@code window} messages in flight per pair, or for
 * the channel: sent and not yet received by every member), pumps the senders and publishes the delivery count.
 * The same structure as the seed protocol's {@link LoadLoop}, with IRC's setup in front.
 *
 * <p>Reads go to one shared direct buffer; nothing is allocated per message.
 *
 * <p>Threading: {@link #run} is the driver thread's body and the only code that touches clients, checkers and
 * the fields marked "driver thread"; {@link #setPhases} is called before that thread starts.
 * {@link #delivered}, {@link #pongs}, {@link #stage}, {@link #failure}, {@link #running}, {@link #awaitReady},
 * {@link #stop} and {@link #deliveries} ({@link DeliveryGate}) may be called from any thread.
 */
final class IrcLoop implements Runnable, IrcClient.Events {

    /** The driver thread's name. */
    static final String THREAD_NAME = "irc-load-driver";

    /**
     * A setup phase: client {@code clients[i]} sends {@code commands[i]} and {@code PING :<token>}; the phase
     * ends when each has the PONG. The {@code last} phase is the senders' go step; it also ends the setup.
     */
    record Phase(String token, IrcClient[] clients, String[] commands, boolean last) {
    }

    private static final int READ_BUFFER_SIZE = 256 * 1024;
    private static final int MAX_READS_PER_EVENT = 8;
    private static final long SELECT_TIMEOUT_MILLIS = 100;

    /** Messages in flight per pair (1:1) or for the channel. */
    private final int window;
    /** Channel: one sender, every receiver gets its every message. 1:1: sender i to receiver i. */
    private final boolean channel;
    /** The selector every client is registered with. */
    private final Selector selector;
    /** Receivers (or members), by index. */
    private final IrcClient[] receivers;
    /** Senders, by index. */
    private final IrcClient[] senders;
    /** Counted down when the setup is over and the senders have credit, or when the loop ends. */
    private final CountDownLatch ready = new CountDownLatch(1);

    /** Driver thread: the read buffer, big-endian as {@link IrcLineChecker} requires. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    /** Driver thread: clients with something to write this round, {@code dirty[0, dirtyCount)}. */
    private final IrcClient[] dirty;
    /** Driver thread: entries of {@link #dirty} in use. */
    private int dirtyCount;
    /** Driver thread: messages delivered, ahead of the published {@link #delivered}. */
    private long deliveredByDriver;
    /** Driver thread: PONGs written, ahead of the published {@link #pongs}. */
    private long pongsByDriver;
    /** Driver thread, channel: members still to receive message m are in {@code pending[m % window]}. */
    private final int[] pending;
    /** Driver thread, channel: messages received by every member. */
    private long completed;
    /** The setup phases, in order; set once before the driver thread starts. */
    private Phase[] phases;
    /** Driver thread: the index of the running phase. */
    private int phase;
    /** Driver thread: clients of the running phase still waiting for their PONG. */
    private int phasePending;
    /** Driver thread: receivers still waiting for their go line (once the last phase runs). */
    private int goPending;
    /** Driver thread: whether the setup is over and the load flows. */
    private boolean loaded;

    /** False once stopped or failed; the loop ends soon after. */
    private volatile boolean running = true;
    /** The delivery count, published for the benchmark thread, which waits on it. */
    final DeliveryGate deliveries = new DeliveryGate();
    /** PONGs written in answer to the server's PINGs, published once per selection round. */
    private volatile long pongs;
    /** The setup phase running (its token), or "load"; for messages. */
    private volatile String stage = "connected";
    /** The first failure of the driver thread, else null. */
    private volatile Throwable failure;

    IrcLoop(Selector selector, IrcClient[] receivers, IrcClient[] senders, int window, boolean channel) {
        this.selector = selector;
        this.receivers = receivers;
        this.senders = senders;
        this.window = window;
        this.channel = channel;
        this.dirty = new IrcClient[receivers.length + senders.length];
        this.pending = channel ? new int[window] : null;
    }

    /** Sets the setup phases (the last one the go step); before the driver thread starts. */
    void setPhases(Phase... phases) {
        if (phases.length == 0 || !phases[phases.length - 1].last()) {
            throw new IllegalArgumentException("the last phase is the go step");
        }
        this.phases = phases.clone();
    }

    Selector selector() {
        return selector;
    }

    long delivered() {
        return deliveries.delivered();
    }

    long pongs() {
        return pongs;
    }

    String stage() {
        return stage;
    }

    Throwable failure() {
        return failure;
    }

    boolean running() {
        return running;
    }

    /** Waits until the setup is over or the loop ended; true if the load flows. */
    boolean awaitReady(long timeoutNanos) throws InterruptedException {
        return ready.await(timeoutNanos, TimeUnit.NANOSECONDS) && failure == null && running;
    }

    /** Asks the loop to end; it does within one selection round. */
    void stop() {
        running = false;
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            startPhase(0);
            pumpDirty();
            while (running) {
                selector.select(this::onSelected, SELECT_TIMEOUT_MILLIS);
                pumpDirty();
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

    @Override
    public void onStepDone(IrcClient client) {
        if (--phasePending > 0) {
            return;
        }
        if (phase + 1 < phases.length) {
            startPhase(phase + 1);
        } else {
            startLoadWhenSetUp();
        }
    }

    @Override
    public void onGo(IrcClient client) {
        goPending--;
        startLoadWhenSetUp();
    }

    @Override
    public void onWriteWanted(IrcClient client) {
        if (!client.dirty) {
            client.dirty = true;
            dirty[dirtyCount++] = client;
        }
    }

    @Override
    public void onPong(IrcClient client) {
        pongsByDriver++;
    }

    private void startPhase(int index) {
        Phase p = phases[index];
        phase = index;
        stage = p.token();
        phasePending = p.clients().length;
        if (p.last()) {
            goPending = receivers.length;
        }
        for (int i = 0; i < p.clients().length; i++) {
            p.clients()[i].send(p.commands()[i], p.token(), p.last());
        }
    }

    /** Starts the load once the go step's PONGs and every receiver's go line are in. */
    private void startLoadWhenSetUp() {
        if (loaded || phase != phases.length - 1 || phasePending > 0 || goPending > 0) {
            return;
        }
        loaded = true;
        stage = "load";
        if (channel) {
            Arrays.fill(pending, receivers.length);
        }
        for (IrcClient s : senders) {
            s.credit = window;
            onWriteWanted(s);
        }
        ready.countDown();
    }

    private void onSelected(SelectionKey key) {
        try {
            if (!key.isValid()) {
                return;
            }
            IrcClient c = (IrcClient) key.attachment();
            if (key.isReadable()) {
                onReadable(c);
            }
            if (key.isValid() && key.isWritable()) {
                c.pump();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void onReadable(IrcClient c) throws IOException {
        ByteBuffer buf = readBuffer;
        IrcLineChecker checker = c.checker;
        for (int reads = 0; reads < MAX_READS_PER_EVENT; reads++) {
            buf.clear();
            int n = c.channel.read(buf);
            if (n < 0) {
                throw new IOException("the server closed " + (c.sender ? "sender " : "receiver ") + c.nick
                        + " (stage " + stage + ")");
            }
            if (n == 0) {
                return;
            }
            long before = checker.lines();
            checker.accept(buf, 0, n);
            long lines = checker.lines();
            if (lines != before) {
                onDelivered(c, before, lines);
            }
            if (n < buf.capacity()) {
                return;
            }
        }
    }

    /** Receiver {@code r} has now received messages {@code [first, end)}; credits its sender (or the channel's). */
    private void onDelivered(IrcClient r, long first, long end) throws IOException {
        deliveredByDriver += end - first;
        IrcClient s = channel ? senders[0] : senders[r.index];
        if (end > s.messagesWritten()) { // a server making up lines the sender has not written yet
            throw new IOException("receiver " + r.nick + " got " + end + " message lines but sender " + s.nick
                    + " wrote only " + s.messagesWritten());
        }
        if (!channel) {
            s.credit = end + window;
            onWriteWanted(s);
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
            onWriteWanted(s);
        }
    }

    private void pumpDirty() throws IOException {
        // Pumping may queue nothing new for another client, so the list cannot grow while it is walked.
        for (int i = 0; i < dirtyCount; i++) {
            IrcClient c = dirty[i];
            dirty[i] = null;
            c.dirty = false;
            c.pump();
        }
        dirtyCount = 0;
    }

    private void publish() {
        if (pongsByDriver != pongs) {
            pongs = pongsByDriver;
        }
        deliveries.publish(deliveredByDriver);
    }
}
