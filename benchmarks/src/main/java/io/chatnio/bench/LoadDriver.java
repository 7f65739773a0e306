package io.chatnio.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;

/**
 * Drives a seed protocol server at full speed from ONE thread with its own selector ({@link LoadLoop}),
 * checks every message delivered and counts them.
 *
 * <p>Scenarios:
 * <ul>
 *   <li>{@link #forwarding}: P receivers and P senders; sender i sends {@code IP:PORT:<message>\n} to
 *       receiver i, keeping at most {@code window} messages in flight (sent, not yet received by receiver i).</li>
 *   <li>{@link #fanout}: N members join a room, one sender sends {@code #ROOM:<message>\n}; every member
 *       receives every message. At most {@code window} messages are in flight (not yet received by all).</li>
 * </ul>
 * Each message is {@link #message}: the {@link #payload} with the sender's index and its sequence number
 * stamped at its start. Before any load, each receiving connection sends itself a direct message
 * ({@code ready}, or after {@code /join ROOM} the message {@code joined}) and waits for it: this proves the
 * server registered it (and, on one connection being ordered, processed the join). That confirmation is
 * checked byte for byte; then every message line, for its line end, its sender and its sequence number (the
 * next one), and every {@value LineChecker#FULL_CHECK_INTERVAL}th line byte for byte ({@link LineChecker}).
 * Any violation, and anything arriving at a sender (an error or offline notice), fails the driver.
 *
 * <p>TLS: given a client {@link SSLContext} (for the {@code -tls} servers, {@link BenchTls#clientContext()}),
 * every connection runs a client {@code SSLEngine} on the driver thread ({@link TlsLoadChannel}): the
 * handshakes come before the receivers' confirmations, senders' lines are encrypted a write batch at a time,
 * and what receivers get is decrypted into the same read buffer before it is checked. Everything else, the
 * checks included, is the same.
 *
 * <p>No per-message allocation (see {@link LoadSender} and {@link LoadLoop}).
 *
 * <p>Threading: the static factories connect on the calling thread, then hand every channel to the
 * driver thread ({@value LoadLoop#THREAD_NAME}), which alone touches channels and counters afterwards. Every
 * instance method may be called from any thread; {@code awaitDelivered} parks the caller and is unparked by
 * the driver thread.
 */
public final class LoadDriver implements DeliveryCounter, AutoCloseable {

    /** The room the fan-out scenario uses. */
    public static final String ROOM = "bench";

    private static final long CLOSE_TIMEOUT_MILLIS = 5_000;

    /** The scenario and its parameters, for messages. */
    private final String description;
    /** The selector loop, run by {@link #thread}. */
    private final LoadLoop loop;
    /** The driver thread. */
    private final Thread thread;
    /** Receivers, by index; read here only for their immutable address and published first line. */
    private final LoadReceiver[] receivers;
    /** Senders, by index; read here only for their immutable port. */
    private final LoadSender[] senders;

    private LoadDriver(String description, LoadLoop loop, LoadReceiver[] receivers, LoadSender[] senders) {
        this.description = description;
        this.loop = loop;
        this.receivers = receivers;
        this.senders = senders;
        this.thread = new Thread(loop, LoadLoop.THREAD_NAME);
        this.thread.setDaemon(true);
    }

    /**
     * Connects {@code pairs} receivers and {@code pairs} senders to {@code server}, confirms each receiver
     * is registered, and starts sending; returns once load is flowing.
     *
     * @param payloadBytes MESSAGE bytes, at least {@value MessageStamp#LENGTH} (the stamp)
     * @throws IOException when connecting fails or the server is not ready within {@code timeoutNanos}
     */
    public static LoadDriver forwarding(InetSocketAddress server, int pairs, int payloadBytes, int window,
                                        long timeoutNanos) throws IOException {
        return LoadScenarios.forwarding(server, pairs, payloadBytes, window, timeoutNanos, null);
    }

    /** {@link #forwarding(InetSocketAddress, int, int, int, long)} over TLS with {@code tls}, or plain if null. */
    public static LoadDriver forwarding(InetSocketAddress server, int pairs, int payloadBytes, int window,
                                        long timeoutNanos, SSLContext tls) throws IOException {
        return LoadScenarios.forwarding(server, pairs, payloadBytes, window, timeoutNanos, tls);
    }

    /**
     * Connects {@code members} members and one sender to {@code server}; each member joins {@link #ROOM}
     * and confirms it; then the sender starts sending to the room. Returns once load is flowing.
     *
     * @param payloadBytes MESSAGE bytes, at least {@value MessageStamp#LENGTH} (the stamp)
     * @throws IOException when connecting fails or the server is not ready within {@code timeoutNanos}
     */
    public static LoadDriver fanout(InetSocketAddress server, int members, int payloadBytes, int window,
                                    long timeoutNanos) throws IOException {
        return LoadScenarios.fanout(server, members, payloadBytes, window, timeoutNanos, null);
    }

    /** {@link #fanout(InetSocketAddress, int, int, int, long)} over TLS with {@code tls}, or plain if null. */
    public static LoadDriver fanout(InetSocketAddress server, int members, int payloadBytes, int window,
                                    long timeoutNanos, SSLContext tls) throws IOException {
        return LoadScenarios.fanout(server, members, payloadBytes, window, timeoutNanos, tls);
    }

    /**
     * The filler of every message: printable ASCII with a ':' every 16 bytes, so the server must take
     * everything after the second ':' as the message.
     */
    public static byte[] payload(int size) {
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (i % 16 == 15 ? ':' : 'a' + i % 26);
        }
        return payload;
    }

    /**
     * Message {@code sequence} of sender {@code sender}: {@link #payload} with, from its first byte, the
     * sender index in 4 and the sequence number (its low 32 bits) in 8 lowercase hex digits; sender 3's
     * message 31 of 32 bytes is {@code 00030000001fmno:qrstuvwxyzabcde:}.
     */
    public static byte[] message(int sender, long sequence, int size) {
        if (size < MessageStamp.OFFSET + MessageStamp.LENGTH) {
            throw new IllegalArgumentException("a message holds at least the stamp, not " + size + " bytes");
        }
        byte[] message = payload(size);
        MessageStamp.put(message, MessageStamp.OFFSET, sender, sequence);
        return message;
    }

    /** Messages delivered so far (message lines received and checked, confirmations excluded). */
    @Override
    public long delivered() {
        return loop.delivered();
    }

    /**
     * Blocks until at least {@code count} messages in total have been delivered.
     *
     * @return true when reached, false when {@code timeoutNanos} elapsed first
     * @throws IllegalStateException when the driver failed (a server error, a wrong byte, a closed connection)
     */
    @Override
    public boolean awaitDelivered(long count, long timeoutNanos) {
        return loop.deliveries.await(count, timeoutNanos, this::checkHealthy, this);
    }

    /**
     * The bytes of the first message line receiver (or member) {@code index} got, once it has one, else
     * null. They have already been checked against the expected line.
     */
    public byte[] firstDeliveredLine(int index) {
        return receivers[index].firstLine();
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
        loop.stop();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CLOSE_TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LoadScenarios.closeAll(loop.selector(), receivers, senders);
    }

    @Override
    public String toString() {
        return description;
    }

    /** Starts the driver thread on a scenario {@link LoadScenarios} set up; returns once load flows. */
    static LoadDriver start(String description, LoadLoop loop, LoadReceiver[] receivers, LoadSender[] senders,
                            long deadlineNanos) throws IOException {
        LoadDriver driver = new LoadDriver(description, loop, receivers, senders);
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
            driver.close();
            throw new IOException(description + ": server not ready, " + loop.confirmed() + "/" + receivers.length
                    + " receivers confirmed", loop.failure());
        }
        return driver;
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
}
