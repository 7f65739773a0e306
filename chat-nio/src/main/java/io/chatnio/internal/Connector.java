package io.chatnio.internal;

import io.chatnio.Cancellable;
import io.chatnio.Connection;
import io.chatnio.ConnectionOptions;
import io.chatnio.FrameCodec;
import io.chatnio.TlsOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outbound connections: a non-blocking connect per request, watched by the selector (OP_CONNECT) and by a
 * timer. Once connected, the socket goes through {@link Admission} like an accepted one, and the future
 * completes with the open connection, after {@code onOpen}.
 *
 * <p><b>Threading.</b> {@link #connect} any thread; the rest loop thread only. Futures complete on the loop
 * thread, so their dependent actions run there too, under the reactor's error handling.
 */
final class Connector {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);

    private final ReactorImpl reactor;
    /** Connects in progress; loop thread only. */
    private final List<Pending> pending = new ArrayList<>();
    /** Scratch for {@link Admission#admit}'s failure; loop thread only. */
    private final Throwable[] failure = new Throwable[1];

    Connector(ReactorImpl reactor) {
        this.reactor = reactor;
    }

    /** Any thread. */
    CompletableFuture<Connection> connect(SocketAddress address, ConnectionOptions options) {
        CompletableFuture<Connection> future = new CompletableFuture<>();
        if (!(address instanceof InetSocketAddress isa)) {
            future.completeExceptionally(new IllegalArgumentException("not an InetSocketAddress: " + address));
            return future;
        }
        if (isa.isUnresolved()) {
            future.completeExceptionally(new UnresolvedAddressException());
            return future;
        }
        FrameCodec codec = options.codec() != null ? options.codec() : reactor.config.codec();
        TlsOptions tls = options.tls();
        if (tls != null && !tls.isClient()) {
            future.completeExceptionally(new IllegalArgumentException("a connect needs TlsOptions.client, not server"));
            return future;
        }
        long timeoutNanos = options.connectTimeout().toNanos();
        try {
            reactor.loop.execute(() -> start(isa, codec, tls, options.socketOptions(), timeoutNanos, future));
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new IllegalStateException("reactor is closed", e));
        }
        return future;
    }

    /** Only called on the loop thread. */
    private void start(InetSocketAddress address, FrameCodec codec, TlsOptions tls,
                       Map<SocketOption<?>, Object> socketOptions, long timeoutNanos,
                       CompletableFuture<Connection> future) {
        if (!reactor.loop.isRunning()) {
            future.completeExceptionally(new IllegalStateException("reactor is closing"));
            return;
        }
        SocketChannel ch = null;
        try {
            reactor.readPathFits(codec, tls);
            ch = SocketChannel.open();
            Admission.configure(ch, socketOptions); // before connecting: SO_RCVBUF decides the window scale
            Pending p = new Pending(ch, address, codec, tls, future);
            if (ch.connect(address)) {
                p.connected();
                return;
            }
            p.key = ch.register(reactor.loop.selector(), SelectionKey.OP_CONNECT, p);
            p.timer = reactor.loop.schedule(timeoutNanos, () -> p.fail(new SocketTimeoutException(
                    "connect to " + address + " timed out after " + timeoutNanos / 1_000_000 + " ms")));
            pending.add(p);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            log.debug("connect to {} failed", address, e);
            future.completeExceptionally(e);
        }
    }

    /** Fails every connect in progress: the reactor is shutting down. */
    void failAll() {
        for (Pending p : new ArrayList<>(pending)) {
            p.fail(new IOException("reactor closed"));
        }
    }

    /** One connect in progress. Loop thread only. */
    private final class Pending implements Selectable {
        final SocketChannel channel;
        final InetSocketAddress address;
        final FrameCodec codec;
        /** TLS for this connection, or null. */
        final TlsOptions tls;
        final CompletableFuture<Connection> future;
        SelectionKey key;
        Cancellable timer;

        Pending(SocketChannel channel, InetSocketAddress address, FrameCodec codec, TlsOptions tls,
                CompletableFuture<Connection> future) {
            this.channel = channel;
            this.address = address;
            this.codec = codec;
            this.tls = tls;
            this.future = future;
        }

        @Override
        public void ready(int readyOps) {
            try {
                if (channel.finishConnect()) {
                    connected();
                }
            } catch (IOException e) {
                fail(e);
            }
        }

        void connected() {
            finish();
            if (tls != null) { // the connection is admitted, and the future completed, once the handshake is done
                TlsHandshake.start(reactor, channel, tls, codec, future, address);
                return;
            }
            Conn c = reactor.admission.admit(channel, codec, true, failure, null);
            Throwable why = failure[0];
            failure[0] = null;
            if (c != null) {
                log.debug("{}: connected", c);
                reactor.callbacks.run(() -> future.complete(c), "connect future");
            } else {
                reactor.callbacks.run(() -> future.completeExceptionally(why), "connect future");
            }
        }

        void fail(Throwable e) {
            if (future.isDone()) {
                return;
            }
            finish();
            if (key != null) {
                key.cancel();
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing
            }
            log.debug("connect to {} failed: {}", address, e.toString());
            reactor.callbacks.run(() -> future.completeExceptionally(e), "connect future");
        }

        private void finish() {
            pending.remove(this);
            if (timer != null) {
                timer.cancel();
            }
        }
    }
}
