package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Sets up the load driver's scenarios: connects the receivers and senders, encodes what each sender
 * writes and what each receiver must get, and starts a {@link LoadDriver} on them. See
 * {@link LoadDriver#forwarding} and {@link LoadDriver#fanout}. Given a client {@link SSLContext}, every
 * connection gets a client engine of its own (TLS); the driver thread does the handshakes.
 *
 * <p>Threading: stateless; the calling thread connects (blocking) and builds everything, then hands it to
 * the driver thread.
 */
final class LoadScenarios {

    private LoadScenarios() {
    }

    static LoadDriver forwarding(InetSocketAddress server, int pairs, int payloadBytes, int window,
                                 long timeoutNanos, SSLContext tls) throws IOException {
        checkArguments(pairs, payloadBytes, window);
        long deadline = System.nanoTime() + timeoutNanos;
        Selector selector = Selector.open();
        LoadReceiver[] receivers = new LoadReceiver[pairs];
        LoadSender[] senders = new LoadSender[pairs];
        try {
            for (int i = 0; i < pairs; i++) {
                receivers[i] = new LoadReceiver(connect(server, deadline), selector, i, engine(tls, server));
            }
            for (int i = 0; i < pairs; i++) {
                LoadReceiver target = receivers[i];
                String to = SeedProtocol.format(target.address);
                byte[] message = LoadDriver.message(i, 0, payloadBytes);
                byte[] prefix = ascii(to + ":");
                senders[i] = new LoadSender(connect(server, deadline), selector, i,
                        concat(prefix, message, ascii("\n")), prefix.length + MessageStamp.OFFSET, window,
                        engine(tls, server));
                byte[] delivered = SeedProtocol.deliveredLine(senders[i].port, message);
                target.expect(ascii(to + ":ready\n"),
                        SeedProtocol.deliveredLine(target.address.getPort(), ascii("ready")), delivered,
                        SeedProtocol.deliveryPrefix(senders[i].port).length + MessageStamp.OFFSET, i);
            }
        } catch (IOException | RuntimeException e) {
            closeAll(selector, receivers, senders);
            throw e;
        }
        String description = "forwarding pairs=" + pairs + " payload=" + payloadBytes + " window=" + window
                + (tls != null ? " tls" : "");
        return LoadDriver.start(description, new LoadLoop(selector, receivers, senders, window, false), receivers,
                senders, deadline);
    }

    static LoadDriver fanout(InetSocketAddress server, int members, int payloadBytes, int window,
                             long timeoutNanos, SSLContext tls) throws IOException {
        checkArguments(1, payloadBytes, window);
        if (members < 1) {
            throw new IllegalArgumentException("members: at least 1, not " + members);
        }
        long deadline = System.nanoTime() + timeoutNanos;
        Selector selector = Selector.open();
        LoadReceiver[] receivers = new LoadReceiver[members];
        LoadSender[] senders = new LoadSender[1];
        try {
            for (int i = 0; i < members; i++) {
                receivers[i] = new LoadReceiver(connect(server, deadline), selector, i, engine(tls, server));
            }
            byte[] message = LoadDriver.message(0, 0, payloadBytes);
            byte[] prefix = ascii("#" + LoadDriver.ROOM + ":");
            senders[0] = new LoadSender(connect(server, deadline), selector, 0, concat(prefix, message, ascii("\n")),
                    prefix.length + MessageStamp.OFFSET, window, engine(tls, server));
            byte[] delivered = SeedProtocol.deliveredLine(senders[0].port, message);
            int stampAt = SeedProtocol.deliveryPrefix(senders[0].port).length + MessageStamp.OFFSET;
            for (LoadReceiver member : receivers) {
                member.expect(ascii("/join " + LoadDriver.ROOM + "\n" + SeedProtocol.format(member.address) + ":joined\n"),
                        SeedProtocol.deliveredLine(member.address.getPort(), ascii("joined")), delivered, stampAt, 0);
            }
        } catch (IOException | RuntimeException e) {
            closeAll(selector, receivers, senders);
            throw e;
        }
        String description = "fanout members=" + members + " payload=" + payloadBytes + " window=" + window
                + (tls != null ? " tls" : "");
        return LoadDriver.start(description, new LoadLoop(selector, receivers, senders, window, true), receivers,
                senders, deadline);
    }

    /** Closes every connection made so far (null entries skipped) and the selector, ignoring errors. */
    static void closeAll(Selector selector, LoadConnection[] receivers, LoadConnection[] senders) {
        for (LoadConnection[] group : new LoadConnection[][] {receivers, senders}) {
            for (LoadConnection c : group) {
                if (c != null) {
                    c.close();
                }
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static void checkArguments(int senders, int payloadBytes, int window) {
        if (senders < 1 || senders > MessageStamp.MAX_SENDERS) {
            throw new IllegalArgumentException("pairs: 1 to " + MessageStamp.MAX_SENDERS + ", not " + senders);
        }
        if (payloadBytes < MessageStamp.OFFSET + MessageStamp.LENGTH) {
            throw new IllegalArgumentException("payload: at least " + (MessageStamp.OFFSET + MessageStamp.LENGTH)
                    + " bytes (the stamp), not " + payloadBytes);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window: at least 1, not " + window);
        }
    }

    /** Connects to {@code server} (blocking, TCP_NODELAY) by the deadline; returns the channel non-blocking. */
    static SocketChannel connect(InetSocketAddress server, long deadlineNanos) throws IOException {
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

    /** A new client engine for {@code server}, or null without TLS. */
    private static SSLEngine engine(SSLContext tls, InetSocketAddress server) {
        return tls == null ? null : TlsLoadChannel.clientEngine(tls, server);
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
