package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * Open-loop latency of 1:1 forwarding: {@code pairs} senders send {@code IP:PORT:<payload>} to their own
 * receivers at a fixed total rate, and every delivery's latency goes into an HdrHistogram.
 *
 * <p><b>Open loop, corrected for coordinated omission.</b> Message k (over all pairs, round robin: pair
 * {@code k % pairs}) is due at a fixed time after the start ({@link Config#intendedNanos}: {@code k / rate}
 * seconds, shifted by the warm-up's ramp), whatever the server has answered.
 * Its payload starts with that <em>intended</em> send time, 16 hex digits of nanoseconds since the start, and
 * the receiver records {@code receive time - intended send time}. A server that stalls therefore charges the
 * stall to every message that was due during it, including those the driver could not send on time (a
 * sender's buffer is full, or the driver was late): waiting for the server never hides latency. The send lag
 * ({@code actual - intended send time}) is recorded apart, to show how much of the latency is the driver's.
 *
 * <p><b>Phases.</b> Connect (each receiver sends itself {@code ready} and waits for it, which proves the
 * server registered it), then the schedule: messages due in the first {@code warmup} are sent and checked
 * but not recorded, then {@code duration} of recorded messages; then up to {@code drain} for the last
 * deliveries. The run is bounded by setup + warm-up + duration + drain. The warm-up's first half ramps the
 * rate up from nothing, its second half runs at the full rate: a server that met the full rate cold (its
 * code not yet compiled) would fall seconds behind at once, and on loopback the backlog left in the
 * senders' sockets drains slowly (their windows shrink, TCP's zero-window probes take over), so the
 * measured part would show the start of the run rather than the server at that rate.
 *
 * <p><b>One thread, no per-message allocation.</b> The loop polls its own {@link Selector} without blocking
 * ({@code selectNow}): it takes a core, and a message due is sent within one poll of its time, a delivery
 * time-stamped within one poll of its arrival (one {@code nanoTime} per read). Messages are encoded into
 * each sender's direct buffer from a pre-encoded line; deliveries are parsed in place from one read buffer.
 * Every receiver's lines have one length (one sender, one payload size), so each line end is checked to be
 * {@code '\n'}, its time field to be hex, and the times of each receiver to increase.
 *
 * <p>Threading: {@link #run} runs the whole measurement on the calling thread, which alone touches the
 * selector, the connections and the histograms; the returned {@link Result} belongs to the caller.
 */
public final class LatencyDriver {

    /** Hex digits of the intended send time at the start of every payload. */
    static final int TIME_DIGITS = 16;

    private static final byte[] HEX = "0123456789abcdef".getBytes(UTF_8);
    private static final int READ_BUFFER_SIZE = 64 * 1024;
    private static final int MAX_READS_PER_EVENT = 8;
    /** Lines a sender's buffer holds before the schedule waits for the socket. */
    private static final int LINES_PER_SENDER = 256;
    /** Latencies above this are recorded as this (far beyond any run's length). */
    private static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** The scenario and its timing; all durations in nanoseconds. */
    public record Config(int pairs, int payloadBytes, long ratePerSecond, long warmupNanos, long durationNanos,
                         long drainNanos, long setupNanos) {
        public Config {
            if (pairs < 1 || payloadBytes < TIME_DIGITS || ratePerSecond < 1 || warmupNanos < 0
                    || durationNanos <= 0 || drainNanos < 0 || setupNanos <= 0) {
                throw new IllegalArgumentException("need pairs >= 1, payload >= " + TIME_DIGITS
                        + " bytes, rate >= 1/s, warm-up >= 0, duration > 0: " + this);
            }
        }

        /** Messages due before the end of the schedule: those intended before {@code warmup + duration}. */
        long scheduled() {
            return dueBefore(warmupNanos + durationNanos);
        }

        /** Messages due during the warm-up, not recorded. */
        long warmupMessages() {
            return dueBefore(warmupNanos);
        }

        /**
         * When message {@code k} is due, in nanoseconds after the start. The rate rises linearly from 0 to
         * {@code rate} over the ramp (the warm-up's first half, {@code T}), so the first {@code rate * T / 2}
         * messages are due at {@code sqrt(2 T k / rate)}; from then on at the full rate, {@code T / 2 + k / rate}.
         */
        long intendedNanos(long k) {
            long ramp = rampNanos();
            if ((double) k * NANOS_PER_SECOND < (double) ratePerSecond * ramp / 2) {
                return (long) Math.sqrt(2.0 * ramp * k * NANOS_PER_SECOND / ratePerSecond);
            }
            return ramp / 2 + k * NANOS_PER_SECOND / ratePerSecond;
        }

        /** Messages due before {@code nanos}, which is past the ramp: those with {@code T / 2 + k / rate < nanos}. */
        private long dueBefore(long nanos) {
            return ceilDiv((nanos - rampNanos() / 2) * ratePerSecond, NANOS_PER_SECOND);
        }

        /** The ramp {@code T}: the warm-up's first half. */
        private long rampNanos() {
            return warmupNanos / 2;
        }
    }

    /**
     * What one run measured. {@code latency}: receive minus intended send time of every message due after the
     * warm-up ({@code measured} of them, if all arrived); {@code sendLag}: actual minus intended send time of
     * the same messages. Both in nanoseconds.
     */
    public record Result(Config config, long scheduled, long sent, long received, long measured, Histogram latency,
                         Histogram sendLag) {
        /** Whether every scheduled message was sent and delivered before the drain ended. */
        public boolean complete() {
            return sent == scheduled && received == scheduled;
        }
    }

    private final Config config;
    /** Every connection is registered here, and only here. */
    private final Selector selector;
    /** Receiver i gets the messages of sender i. */
    private final Receiver[] receivers;
    private final Sender[] senders;
    /** Every read lands here; parsed before the next read. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    /** Bound once, so that polling allocates nothing. */
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private final TimedLines.Sink onLine = this::onLine;
    /** Receive minus intended send time of each message due after the warm-up, in nanoseconds. */
    private final Histogram latency = new Histogram(HIGHEST_NANOS, 3);
    /** Actual minus intended send time of the same messages, in nanoseconds. */
    private final Histogram sendLag = new Histogram(HIGHEST_NANOS, 3);
    /** Senders appended to since the last {@link #writeDirty}, each once, in {@code [0, dirtyCount)}. */
    private final Sender[] dirty;
    private int dirtyCount;
    /** Receivers whose {@code ready} line arrived. */
    private int confirmed;
    /** {@code System.nanoTime()} at the start of the schedule; intended times count from it. */
    private long epoch;
    /** Whether the schedule has started ({@link #epoch} is set). */
    private boolean started;
    /** The receiver whose read is being parsed, and when that read returned (ns after {@link #epoch}). */
    private Receiver reading;
    private long readAt;
    /** Messages appended to a sender so far; the next one is due at {@code intended(next)}. */
    private long next;
    /** Lines received by all receivers, confirmations excluded. */
    private long received;

    private LatencyDriver(Config config, Selector selector, Receiver[] receivers, Sender[] senders) {
        this.config = config;
        this.selector = selector;
        this.receivers = receivers;
        this.senders = senders;
        this.dirty = new Sender[senders.length];
    }

    /**
     * Connects the pairs to {@code server}, runs the schedule and returns what it measured; an incomplete
     * run (messages still missing when the drain ended) returns normally, see {@link Result#complete()}.
     *
     * @throws IOException when connecting fails, the server is not ready within the setup time, a
     *     connection closes, a sender gets a reply, or a delivered line is malformed or out of order
     */
    public static Result run(InetSocketAddress server, Config config) throws IOException {
        byte[] payload = new byte[config.payloadBytes()];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i < TIME_DIGITS ? '0' : 'a' + i % 26);
        }
        long deadline = System.nanoTime() + config.setupNanos();
        int pairs = config.pairs();
        Receiver[] receivers = new Receiver[pairs];
        Sender[] senders = new Sender[pairs];
        try (Selector selector = Selector.open()) {
            try {
                for (int i = 0; i < pairs; i++) {
                    receivers[i] = new Receiver(connect(server, deadline), selector);
                }
                for (int i = 0; i < pairs; i++) {
                    senders[i] = new Sender(connect(server, deadline), selector, receivers[i], payload);
                }
                LatencyDriver driver = new LatencyDriver(config, selector, receivers, senders);
                driver.confirm(deadline);
                return driver.runSchedule();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } finally {
                closeAll(receivers);
                closeAll(senders);
            }
        }
    }

    private void confirm(long deadline) throws IOException {
        for (Receiver r : receivers) {
            r.writeHello();
        }
        // Bounded by the deadline; each select waits at most 10 ms.
        while (confirmed < receivers.length) {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("server not ready: " + confirmed + "/" + receivers.length
                        + " receivers confirmed");
            }
            selector.select(onSelected, 10);
        }
    }

    private Result runSchedule() throws IOException {
        long scheduled = config.scheduled();
        long warmupMessages = config.warmupMessages();
        long end = config.warmupNanos() + config.durationNanos() + config.drainNanos();
        epoch = System.nanoTime();
        started = true;
        // Bounded by the drain deadline: every pass reads the clock.
        while (true) {
            long now = System.nanoTime() - epoch;
            while (next < scheduled) {
                long intended = intended(next);
                Sender s = senders[(int) (next % senders.length)];
                if (intended > now || !s.hasRoom()) {
                    break; // a full sender holds back the schedule; the intended times stay
                }
                s.append(intended);
                if (next >= warmupMessages) {
                    sendLag.recordValue(Math.min(now - intended, HIGHEST_NANOS));
                }
                markDirty(s);
                next++;
            }
            writeDirty();
            selector.selectNow(onSelected);
            if ((next == scheduled && received == scheduled) || now > end) {
                break;
            }
        }
        long sent = next;
        for (Sender s : senders) {
            sent -= s.unwrittenLines();
        }
        return new Result(config, scheduled, sent, received, Math.max(0, scheduled - warmupMessages), latency,
                sendLag);
    }

    /** The intended send time of message {@code k}, nanoseconds after {@link #epoch}. */
    private long intended(long k) {
        return config.intendedNanos(k);
    }

    private void markDirty(Sender s) {
        if (!s.dirty) {
            s.dirty = true;
            dirty[dirtyCount++] = s;
        }
    }

    /** Writes each sender appended to, except those waiting for OP_WRITE (the socket took less than offered). */
    private void writeDirty() throws IOException {
        for (int i = 0; i < dirtyCount; i++) {
            Sender s = dirty[i];
            dirty[i] = null;
            s.dirty = false;
            if (!s.writeInterest) {
                s.write();
            }
        }
        dirtyCount = 0;
    }

    private void onSelected(SelectionKey key) {
        try {
            if (!key.isValid()) {
                return;
            }
            if (key.attachment() instanceof Receiver r) {
                if (key.isReadable()) {
                    onReadable(r);
                }
            } else {
                Sender s = (Sender) key.attachment();
                if (key.isReadable()) {
                    onSenderReadable(s);
                }
                if (key.isValid() && key.isWritable()) {
                    s.write();
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
            // One clock reading per read: every line in it had arrived by then.
            readAt = System.nanoTime() - epoch;
            int from = 0;
            if (r.confirmation.hasRemaining()) {
                from = r.confirm(buf, n);
                if (!r.confirmation.hasRemaining()) {
                    confirmed++;
                }
            }
            if (from < n) {
                if (!started) {
                    throw new IOException("receiver " + r.address + " got bytes before the schedule started");
                }
                reading = r;
                r.parser.consume(buf, from, n, onLine);
            }
            if (n < buf.capacity()) {
                return;
            }
        }
    }

    /** A line of {@link #reading}'s read, intended to be sent at {@code intendedNanos}, has arrived. */
    private void onLine(long intendedNanos) throws IOException {
        Receiver r = reading;
        if (intendedNanos <= r.lastIntended) {
            throw new IOException("receiver " + r.address + ": intended time " + intendedNanos + " ns after "
                    + r.lastIntended + " ns (a lost, repeated or reordered line)");
        }
        r.lastIntended = intendedNanos;
        received++;
        if (intendedNanos >= config.warmupNanos()) {
            latency.recordValue(Math.max(0, Math.min(readAt - intendedNanos, HIGHEST_NANOS)));
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

    private static long ceilDiv(long x, long y) {
        return (x + y - 1) / y;
    }

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

    private static void closeAll(Endpoint[] endpoints) {
        for (Endpoint e : endpoints) {
            if (e != null) {
                try {
                    e.channel.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /** A registered non-blocking connection; driver thread only. */
    private abstract static class Endpoint {
        final SocketChannel channel;
        /** Its registration with the driver's selector; interest OP_READ, plus OP_WRITE while a sender waits. */
        final SelectionKey key;
        /** The local port: how the server names this connection. */
        final int port;

        Endpoint(SocketChannel channel, Selector selector) throws IOException {
            this.channel = channel;
            this.key = channel.register(selector, SelectionKey.OP_READ, this);
            this.port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }
    }

    /** Confirms its registration, then parses its deliveries; driver thread only. */
    private static final class Receiver extends Endpoint {
        /** The local address, which senders name as the target. */
        final InetSocketAddress address;
        /** The line confirming registration, {@code <port> 账户对您说:ready \n}; consumed as it arrives. */
        final ByteBuffer confirmation;
        /** Parses deliveries; set by {@link Sender}'s constructor, which knows the sender's port. */
        TimedLines parser;
        /** The intended time of the last line received; they must increase. */
        long lastIntended = -1;

        Receiver(SocketChannel channel, Selector selector) throws IOException {
            super(channel, selector);
            this.address = (InetSocketAddress) channel.getLocalAddress();
            this.confirmation = ByteBuffer.wrap(SeedProtocol.deliveredLine(port, "ready".getBytes(UTF_8)));
        }

        void expect(int senderPort, int payloadBytes) {
            int prefix = SeedProtocol.deliveryPrefix(senderPort).length;
            parser = new TimedLines(prefix + payloadBytes + 2, prefix);
        }

        void writeHello() throws IOException {
            ByteBuffer hello = ByteBuffer.wrap((SeedProtocol.format(address) + ":ready\n").getBytes(UTF_8));
            channel.write(hello);
            if (hello.hasRemaining()) {
                throw new IOException("receiver " + address + " could not write its hello line at once");
            }
        }

        /** Checks {@code buf[0, n)} against the rest of the confirmation; returns how many bytes it took. */
        int confirm(ByteBuffer buf, int n) throws IOException {
            int count = Math.min(n, confirmation.remaining());
            for (int i = 0; i < count; i++) {
                if (buf.get(i) != confirmation.get()) {
                    throw new IOException("receiver " + address + " expected \""
                            + new String(confirmation.array(), UTF_8) + "\", got byte " + (buf.get(i) & 0xFF)
                            + " at " + (confirmation.position() - 1));
                }
            }
            return count;
        }
    }

    /** Holds the lines due to its receiver until the socket takes them; driver thread only. */
    private static final class Sender extends Endpoint {
        /** {@code IP:PORT:<payload>\n} with a zero time; copied in for every message. */
        private final byte[] line;
        /** Where the time's hex digits start in {@link #line}. */
        private final int timeOffset;
        /** Lines not yet written, in write mode: {@code [0, position)} holds them. */
        private final ByteBuffer out;
        /** Whether it is in the driver's dirty list. */
        boolean dirty;
        /** Whether OP_WRITE is on: bytes remain that the socket did not take. */
        boolean writeInterest;

        Sender(SocketChannel channel, Selector selector, Receiver target, byte[] payload) throws IOException {
            super(channel, selector);
            byte[] address = (SeedProtocol.format(target.address) + ":").getBytes(UTF_8);
            this.line = new byte[address.length + payload.length + 1];
            System.arraycopy(address, 0, line, 0, address.length);
            System.arraycopy(payload, 0, line, address.length, payload.length);
            line[line.length - 1] = '\n';
            this.timeOffset = address.length;
            this.out = ByteBuffer.allocateDirect(line.length * LINES_PER_SENDER);
            target.expect(port, payload.length);
        }

        boolean hasRoom() {
            return out.remaining() >= line.length;
        }

        void append(long intendedNanos) {
            int start = out.position();
            out.put(line);
            for (int i = TIME_DIGITS - 1, at = start + timeOffset; i >= 0; i--) {
                out.put(at + i, HEX[(int) (intendedNanos >>> (4 * (TIME_DIGITS - 1 - i))) & 0xF]);
            }
        }

        /** Writes what the socket takes; OP_WRITE is on while bytes remain. */
        void write() throws IOException {
            out.flip();
            try {
                channel.write(out);
            } finally {
                out.compact();
            }
            boolean more = out.position() > 0;
            if (more != writeInterest) {
                writeInterest = more;
                key.interestOps(more ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            }
        }

        /** Lines appended but not completely written. */
        long unwrittenLines() {
            return (out.position() + line.length - 1) / line.length;
        }
    }
}
