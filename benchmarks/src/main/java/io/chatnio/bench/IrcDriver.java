package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.Selector;

/**
 * Drives an IRC server at full speed from ONE thread with its own selector ({@link IrcLoop}), checks every
 * message delivered and counts them: the IRC counterpart of the seed protocol's {@link LoadDriver}.
 *
 * <p>Scenarios:
 * <ul>
 *   <li>{@link #forwarding}: P receivers ({@code r0}, {@code r1}, ...) and P senders ({@code s0}, ...); sender
 *       i sends {@code PRIVMSG r<i> :<message>}, keeping at most {@code window} messages in flight (sent, not
 *       yet received by receiver i).</li>
 *   <li>{@link #channel}: M members ({@code m0}, ...) join {@link #CHANNEL}, then the sender {@code s0}
 *       joins and sends {@code PRIVMSG #bench :<message>}; every member receives every message (a message to M
 *       members counts M deliveries). At most {@code window} messages are in flight (not yet received by
 *       all).</li>
 * </ul>
 * Setup, not measured: every client registers ({@code NICK}, {@code USER}, and the commands
 * {@link IrcTarget#relax} gives to lift the server's flood limits), the members join, then each sender sends
 * its receiver (or the channel) {@code go}; see {@link IrcClient}. Each message is {@link LoadDriver#message}:
 * the payload with the sender's index and its sequence number stamped at its start. Every line delivered is
 * checked for its form {@code :nick!user@host PRIVMSG <target> :<message>} CR LF with the right source and
 * target, and the next sequence number of its sender (no loss, no duplicate, in order); every
 * {@value IrcLineChecker#FULL_CHECK_INTERVAL}th byte for byte ({@link IrcLineChecker}). The server's PINGs are
 * answered; any other line after the setup, and any error reply, fails the driver.
 *
 * <p>No per-message allocation (see {@link IrcClient} and {@link IrcLoop}).
 *
 * <p>Threading: the static factories connect on the calling thread, then hand every channel to the driver
 * thread ({@value IrcLoop#THREAD_NAME}), which alone touches channels and counters afterwards. Every instance
 * method may be called from any thread; {@code awaitDelivered} parks the caller and is unparked by the driver
 * thread.
 */
public final class IrcDriver implements DeliveryCounter, AutoCloseable {

    /** The channel of the channel scenario. */
    public static final String CHANNEL = "#bench";
    /** The longest payload: a delivered line stays well under IRC's 512 bytes. */
    public static final int MAX_PAYLOAD = 400;

    private static final long CLOSE_TIMEOUT_MILLIS = 5_000;

    /** The scenario and its parameters, for messages. */
    private final String description;
    /** The selector loop, run by {@link #thread}. */
    private final IrcLoop loop;
    /** The driver thread. */
    private final Thread thread;
    /** Receivers (or members), by index; read here only for their published first line. */
    private final IrcClient[] receivers;
    /** Senders, by index; touched here only to close them. */
    private final IrcClient[] senders;

    private IrcDriver(String description, IrcLoop loop, IrcClient[] receivers, IrcClient[] senders) {
        this.description = description;
        this.loop = loop;
        this.receivers = receivers;
        this.senders = senders;
        this.thread = new Thread(loop, IrcLoop.THREAD_NAME);
        this.thread.setDaemon(true);
    }

    /**
     * Connects and registers {@code pairs} receivers and {@code pairs} senders on {@code server}, and starts
     * sending; returns once load is flowing.
     *
     * @param payloadBytes message bytes, from {@value MessageStamp#LENGTH} (the stamp) to {@link #MAX_PAYLOAD}
     * @throws IOException when connecting fails, the server refuses a setup command or the setup is not over
     *     within {@code timeoutNanos}
     */
    public static IrcDriver forwarding(IrcTarget server, int pairs, int payloadBytes, int window,
                                       long timeoutNanos) throws IOException {
        checkArguments(pairs, payloadBytes, window);
        long deadline = System.nanoTime() + timeoutNanos;
        Selector selector = Selector.open();
        IrcClient[] receivers = new IrcClient[pairs];
        IrcClient[] senders = new IrcClient[pairs];
        IrcLoop loop = new IrcLoop(selector, receivers, senders, window, false);
        try {
            String[] register = new String[2 * pairs];
            IrcClient[] everyone = new IrcClient[2 * pairs];
            String[] go = new String[pairs];
            for (int i = 0; i < pairs; i++) {
                String to = "r" + i;
                String from = "s" + i;
                byte[] message = LoadDriver.message(i, 0, payloadBytes);
                receivers[i] = IrcClient.receiver(LoadScenarios.connect(server.address(), deadline), selector, i, to,
                        loop, from, to, message, i);
                byte[] prefix = ascii("PRIVMSG " + to + " :");
                senders[i] = IrcClient.sender(LoadScenarios.connect(server.address(), deadline), selector, i, from,
                        loop, concat(prefix, message, ascii("\r\n")), prefix.length + MessageStamp.OFFSET, window);
                everyone[i] = receivers[i];
                everyone[pairs + i] = senders[i];
                register[i] = registration(server, to);
                register[pairs + i] = registration(server, from);
                go[i] = "PRIVMSG " + to + " :go\r\n";
            }
            loop.setPhases(new IrcLoop.Phase("registered", everyone, register, false),
                    new IrcLoop.Phase("go", senders, go, true));
        } catch (IOException | RuntimeException e) {
            closeAll(selector, receivers, senders);
            throw e;
        }
        String description = "irc forwarding pairs=" + pairs + " payload=" + payloadBytes + " window=" + window;
        return start(description, loop, receivers, senders, deadline);
    }

    /**
     * Connects and registers {@code members} members and one sender on {@code server}; the members join
     * {@link #CHANNEL}, then the sender, which starts sending to it. Returns once load is flowing.
     *
     * @param payloadBytes message bytes, from {@value MessageStamp#LENGTH} (the stamp) to {@link #MAX_PAYLOAD}
     * @throws IOException when connecting fails, the server refuses a setup command or the setup is not over
     *     within {@code timeoutNanos}
     */
    public static IrcDriver channel(IrcTarget server, int members, int payloadBytes, int window, long timeoutNanos)
            throws IOException {
        checkArguments(1, payloadBytes, window);
        if (members < 1) {
            throw new IllegalArgumentException("members: at least 1, not " + members);
        }
        long deadline = System.nanoTime() + timeoutNanos;
        Selector selector = Selector.open();
        IrcClient[] receivers = new IrcClient[members];
        IrcClient[] senders = new IrcClient[1];
        IrcLoop loop = new IrcLoop(selector, receivers, senders, window, true);
        try {
            byte[] message = LoadDriver.message(0, 0, payloadBytes);
            String[] register = new String[members + 1];
            IrcClient[] everyone = new IrcClient[members + 1];
            String[] join = new String[members];
            for (int i = 0; i < members; i++) {
                String nick = "m" + i;
                receivers[i] = IrcClient.receiver(LoadScenarios.connect(server.address(), deadline), selector, i,
                        nick, loop, "s0", CHANNEL, message, 0);
                everyone[i] = receivers[i];
                register[i] = registration(server, nick);
                join[i] = "JOIN " + CHANNEL + "\r\n";
            }
            byte[] prefix = ascii("PRIVMSG " + CHANNEL + " :");
            senders[0] = IrcClient.sender(LoadScenarios.connect(server.address(), deadline), selector, 0, "s0", loop,
                    concat(prefix, message, ascii("\r\n")), prefix.length + MessageStamp.OFFSET, window);
            everyone[members] = senders[0];
            register[members] = registration(server, "s0");
            loop.setPhases(new IrcLoop.Phase("registered", everyone, register, false),
                    new IrcLoop.Phase("joined", receivers, join, false),
                    new IrcLoop.Phase("sender-joined", senders, new String[] {"JOIN " + CHANNEL + "\r\n"}, false),
                    new IrcLoop.Phase("go", senders, new String[] {"PRIVMSG " + CHANNEL + " :go\r\n"}, true));
        } catch (IOException | RuntimeException e) {
            closeAll(selector, receivers, senders);
            throw e;
        }
        String description = "irc channel members=" + members + " payload=" + payloadBytes + " window=" + window;
        return start(description, loop, receivers, senders, deadline);
    }

    @Override
    public long delivered() {
        return loop.delivered();
    }

    @Override
    public boolean awaitDelivered(long count, long timeoutNanos) {
        return loop.deliveries.await(count, timeoutNanos, this::checkHealthy, this);
    }

    /** PONGs the clients wrote so far, answering the server's PINGs. */
    public long pongs() {
        return loop.pongs();
    }

    /**
     * The bytes of the first message line receiver (or member) {@code index} got, once it has one, else null.
     * They have already been checked against the expected line.
     */
    public byte[] firstDeliveredLine(int index) {
        return receivers[index].firstLine();
    }

    /** Stops the driver thread and closes every connection; idempotent. */
    @Override
    public void close() {
        loop.stop();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CLOSE_TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeAll(loop.selector(), receivers, senders);
    }

    @Override
    public String toString() {
        return description;
    }

    private static IrcDriver start(String description, IrcLoop loop, IrcClient[] receivers, IrcClient[] senders,
                                   long deadlineNanos) throws IOException {
        IrcDriver driver = new IrcDriver(description, loop, receivers, senders);
        driver.thread.start();
        boolean isReady;
        try {
            isReady = loop.awaitReady(Math.max(0, deadlineNanos - System.nanoTime()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            driver.close();
            throw new IOException("interrupted while waiting for " + description, e);
        }
        if (!isReady) {
            String stage = loop.stage();
            Throwable cause = loop.failure();
            driver.close();
            throw new IOException(description + ": setup not over, stuck at stage " + stage
                    + (cause == null ? "" : ": " + cause.getMessage()), cause);
        }
        return driver;
    }

    /** What client {@code nick} sends to register: NICK, USER and the server's relaxing commands. */
    private static String registration(IrcTarget server, String nick) {
        return "NICK " + nick + "\r\nUSER bench 0 * :chat-nio load\r\n" + server.relax(nick);
    }

    private void checkHealthy() {
        Throwable cause = loop.failure();
        if (cause != null) {
            throw new IllegalStateException(description + " failed: " + cause.getMessage(), cause);
        }
        if (!loop.running()) {
            throw new IllegalStateException(description + " is closed");
        }
    }

    private static void closeAll(Selector selector, IrcClient[] receivers, IrcClient[] senders) {
        LoadScenarios.closeAll(selector, receivers, senders);
    }

    private static void checkArguments(int senders, int payloadBytes, int window) {
        if (senders < 1 || senders > MessageStamp.MAX_SENDERS) {
            throw new IllegalArgumentException("pairs: 1 to " + MessageStamp.MAX_SENDERS + ", not " + senders);
        }
        if (payloadBytes < MessageStamp.OFFSET + MessageStamp.LENGTH || payloadBytes > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload: " + (MessageStamp.OFFSET + MessageStamp.LENGTH) + " to "
                    + MAX_PAYLOAD + " bytes, not " + payloadBytes);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window: at least 1, not " + window);
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
}
