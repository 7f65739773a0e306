package io.chatnio.examples.irc;

import io.chatnio.AttributeKey;
import io.chatnio.Connection;
import io.chatnio.MessageWriter;
import io.chatnio.Reactor;
import io.chatnio.SlowConsumerPolicy;
import io.chatnio.TlsSession;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link IrcHandler} driven in memory: fake connections, and a fake reactor whose one message writer records
 * what the handler writes, as the real loop's writer would queue it. It checks what the real one cannot see:
 * every line the server writes ends with CR (the line codec's LF makes it CR LF), holds no other CR or LF, and
 * is at most 512 bytes with its line end; and a message is never begun while another one is still unsent (the
 * real writer would silently discard the first).
 *
 * <p>Not thread-safe: the test thread plays the loop thread.
 */
final class FakeIrc {
    /** 2024-01-02T03:04:05Z. */
    static final long NOW = 1704164645L;

    final IrcHandler handler;
    private final Reactor reactor;
    private final Writer writer = new Writer();
    private int nextPort = 40000;
    /** Fan-out messages begun so far. */
    int fanoutsBegun;
    /** Payload bytes put into fan-out messages so far (encoding work, once per fan-out, not per recipient). */
    long fanoutBytesPut;

    FakeIrc() {
        this(IrcServer.Options.defaults().withMotd(List.of()));
    }

    FakeIrc(IrcServer.Options options) {
        handler = new IrcHandler(options, Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));
        reactor = (Reactor) Proxy.newProxyInstance(Reactor.class.getClassLoader(), new Class<?>[] {Reactor.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "fanout" -> writer.begin(null);
                    case "toString" -> "FakeReactor";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A new connection from 127.0.0.1, opened. */
    Conn connect() {
        Conn c = new Conn(new InetSocketAddress("127.0.0.1", nextPort++));
        handler.onOpen(c);
        return c;
    }

    /** A connection registered as {@code nick} (user {@code nick}, real name {@code nick}), welcome burst read. */
    Conn register(String nick) {
        Conn c = connect();
        send(c, "NICK " + nick);
        send(c, "USER " + nick + " 0 * :" + nick);
        c.expectCode("001");
        c.clear();
        return c;
    }

    /** {@code line} arrives on {@code c}, as the line codec would hand it over (without its line end). */
    void send(Conn c, String line) {
        send(c, line.getBytes(StandardCharsets.UTF_8));
    }

    void send(Conn c, byte[] line) {
        // in a larger buffer, at an offset, as the loop's read buffer would hold it
        ByteBuffer b = ByteBuffer.allocate(line.length + 20);
        b.position(7);
        b.put(line);
        b.limit(b.position()).position(7);
        handler.onMessage(c, b);
        writer.checkNothingUnsent();
    }

    /** The connection closed (by the peer, or by the server), reported as the reactor would. */
    void closed(Conn c, Throwable cause) {
        c.open = false;
        handler.onClose(c, cause);
        writer.checkNothingUnsent();
    }

    /** The reactor's one writer: a direct message to {@code to}, or a fan-out when {@code to} is null. */
    private final class Writer implements MessageWriter {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Conn to;
        private boolean fanout;
        private boolean inProgress;

        Writer begin(Conn recipient) {
            checkNothingUnsent();
            bytes.reset();
            to = recipient;
            fanout = recipient == null;
            inProgress = !fanout; // a fan-out sent to no one is legal (discarded)
            if (fanout) {
                fanoutsBegun++;
            }
            return this;
        }

        void checkNothingUnsent() {
            if (inProgress) {
                inProgress = false;
                throw new AssertionError("a message was begun and never sent: " + bytes);
            }
        }

        private void added(int n) {
            if (fanout) {
                fanoutBytesPut += n;
            }
        }

        @Override
        public MessageWriter put(ByteBuffer src) {
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            bytes.writeBytes(b);
            added(n);
            return this;
        }

        @Override
        public MessageWriter put(byte[] src, int offset, int length) {
            bytes.write(src, offset, length);
            added(length);
            return this;
        }

        @Override
        public MessageWriter put(byte b) {
            bytes.write(b);
            added(1);
            return this;
        }

        @Override
        public MessageWriter putDecimal(long value) {
            return putUtf8(Long.toString(value));
        }

        @Override
        public MessageWriter putUtf8(CharSequence s) {
            byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
            return put(b, 0, b.length);
        }

        @Override
        public MessageWriter onSlowConsumer(SlowConsumerPolicy policy) {
            return this;
        }

        @Override
        public int length() {
            return bytes.size();
        }

        @Override
        public void send() {
            if (fanout || !inProgress) {
                throw new IllegalStateException("no direct message in progress");
            }
            inProgress = false;
            to.deliver(bytes.toByteArray());
        }

        @Override
        public void sendTo(Connection recipient) {
            if (!fanout) {
                throw new IllegalStateException("not a fan-out");
            }
            ((Conn) recipient).deliver(bytes.toByteArray());
        }
    }

    /** A fake connection: records the lines written to it. */
    final class Conn implements Connection {
        private final InetSocketAddress remote;
        private final Map<AttributeKey<?>, Object> attributes = new HashMap<>();
        /** Lines received, without their CR LF, oldest first. */
        private final Deque<byte[]> lines = new ArrayDeque<>();
        boolean open = true;
        boolean closeRequested;

        Conn(InetSocketAddress remote) {
            this.remote = remote;
        }

        void deliver(byte[] payload) {
            if (!open || closeRequested) {
                return; // the real reactor skips closed recipients
            }
            String line = new String(payload, StandardCharsets.UTF_8);
            if (payload.length == 0 || payload[payload.length - 1] != '\r') {
                throw new AssertionError("a line that does not end with CR: " + line);
            }
            if (payload.length + 1 > 512) {
                throw new AssertionError("a line of " + (payload.length + 1) + " bytes: " + line);
            }
            for (int i = 0; i < payload.length - 1; i++) {
                if (payload[i] == '\r' || payload[i] == '\n' || payload[i] == 0) {
                    throw new AssertionError("CR, LF or NUL inside a line: " + line);
                }
            }
            lines.add(java.util.Arrays.copyOf(payload, payload.length - 1));
        }

        /** The next line received, without CR LF; fails if there is none. */
        String next() {
            return new String(nextBytes(), StandardCharsets.UTF_8);
        }

        /** The next line received, as bytes without CR LF; fails if there is none. */
        byte[] nextBytes() {
            byte[] line = lines.poll();
            if (line == null) {
                throw new AssertionError("no line received");
            }
            return line;
        }

        /** All the lines received and not yet read, then forgets them. */
        List<String> drain() {
            List<String> all = new ArrayList<>();
            for (byte[] line : lines) {
                all.add(new String(line, StandardCharsets.UTF_8));
            }
            lines.clear();
            return all;
        }

        void clear() {
            lines.clear();
        }

        /** Reads lines up to and including the next one with numeric {@code code}, and returns it. */
        String expectCode(String code) {
            while (true) {
                String line = next();
                String[] parts = line.split(" ", 3);
                if (parts.length > 1 && parts[1].equals(code)) {
                    return line;
                }
            }
        }

        boolean hasLines() {
            return !lines.isEmpty();
        }

        @Override
        public long id() {
            return remote.getPort();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress("127.0.0.1", 6667);
        }

        @Override
        public TlsSession tls() {
            return null;
        }

        @Override
        public Reactor reactor() {
            return reactor;
        }

        @Override
        public boolean isOpen() {
            return open && !closeRequested;
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public long pendingOutboundBytes() {
            return 0;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T attr(AttributeKey<T> key) {
            return (T) attributes.get(key);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T attr(AttributeKey<T> key, T value) {
            return (T) (value == null ? attributes.remove(key) : attributes.put(key, value));
        }

        @Override
        public void send(ByteBuffer payload) {
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            deliver(b);
        }

        @Override
        public void send(CharSequence text) {
            deliver(text.toString().getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public MessageWriter message() {
            return writer.begin(this);
        }

        @Override
        public void setReadingPaused(boolean paused) {
        }

        @Override
        public void close() {
            closeRequested = true;
        }

        @Override
        public void shutdownOutput() {
            closeRequested = true;
        }

        @Override
        public void abort() {
            closeRequested = true;
        }

        @Override
        public String toString() {
            return "Conn(" + remote.getPort() + ")";
        }
    }
}
