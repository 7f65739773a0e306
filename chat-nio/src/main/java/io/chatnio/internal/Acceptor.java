package io.chatnio.internal;

import io.chatnio.ConnectionOptions;
import io.chatnio.FrameCodec;
import io.chatnio.Refusal;
import io.chatnio.TlsOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening sockets: binds them, accepts on them (a bounded number per pass) and hands each accepted
 * socket to {@link Admission} with its listener's codec.
 *
 * <p><b>Threading.</b> {@link #bind} and {@link #boundAddresses} any thread; the rest loop thread only.
 */
final class Acceptor {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);
    /** Most connections accepted per listening socket per pass, so a connect storm cannot starve I/O. */
    private static final int MAX_ACCEPTS_PER_PASS = 64;
    /** How long accepting pauses after accept fails (typically out of file descriptors). */
    private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ReactorImpl reactor;
    /** Addresses bound, in bind order; read by any thread. */
    private final List<InetSocketAddress> bound = new CopyOnWriteArrayList<>();
    /** Registered listeners; loop thread only. */
    private final List<Listener> listeners = new ArrayList<>();
    /** Scratch for {@link Admission#admit}'s failure; loop thread only. */
    private final Throwable[] failure = new Throwable[1];

    Acceptor(ReactorImpl reactor) {
        this.reactor = reactor;
    }

    /** One listening socket, the codec of what it accepts, its TLS (or null) and socket options. */
    private final class Listener implements Selectable {
        final ServerSocketChannel channel;
        final FrameCodec codec;
        final TlsOptions tls;
        final InetSocketAddress address;
        /** Set on each accepted socket; checked at bind. */
        final Map<SocketOption<?>, Object> socketOptions;
        SelectionKey key;

        Listener(ServerSocketChannel channel, FrameCodec codec, TlsOptions tls, InetSocketAddress address,
                 Map<SocketOption<?>, Object> socketOptions) {
            this.socketOptions = socketOptions;
            this.channel = channel;
            this.codec = codec;
            this.tls = tls;
            this.address = address;
        }

        @Override
        public void ready(int readyOps) {
            for (int i = 0; i < MAX_ACCEPTS_PER_PASS; i++) {
                SocketChannel ch;
                try {
                    ch = channel.accept();
                } catch (IOException e) {
                    // Typically EMFILE: stop accepting for a moment rather than spin on a key that stays ready.
                    log.warn("accept failed on {}; pausing accepts for 100 ms", address, e);
                    key.interestOps(0);
                    reactor.loop.schedule(ACCEPT_BACKOFF_NANOS, () -> {
                        if (key.isValid()) {
                            key.interestOps(SelectionKey.OP_ACCEPT);
                        }
                    });
                    return;
                }
                if (ch == null) {
                    return;
                }
                try {
                    Admission.configure(ch, socketOptions);
                } catch (IOException | RuntimeException e) {
                    log.debug("dropping a connection that failed while being set up", e);
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // already failing
                    }
                    continue;
                }
                if (tls == null) {
                    reactor.admission.admit(ch, codec, false, failure, null);
                    failure[0] = null;
                } else {
                    startHandshake(ch);
                }
            }
        }

        /**
         * Closes an accepted TLS socket over a connection limit before its handshake: nothing can be said to
         * it without a handshake, whose cost the limit is there to avoid.
         */
        private void refuseBeforeHandshake(SocketChannel ch, InetSocketAddress remote, Refusal reason) {
            reactor.stats.connectionsTotal++;
            reactor.stats.connectionsRejected++;
            log.info("refused a TLS connection from {} on {} before its handshake: {}", remote, address, reason);
            try {
                ch.close();
            } catch (IOException e) {
                log.debug("close failed", e);
            }
        }

        /** Starts the TLS handshake of an accepted socket, if the limits allow; it is admitted once that is done. */
        private void startHandshake(SocketChannel ch) {
            InetSocketAddress remote;
            try {
                remote = (InetSocketAddress) ch.getRemoteAddress();
            } catch (IOException e) {
                log.debug("dropping a connection that failed while being set up", e);
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
                return;
            }
            Refusal refusal = reactor.admission.roomForHandshake(remote.getAddress());
            if (refusal != null) {
                refuseBeforeHandshake(ch, remote, refusal);
                return;
            }
            TlsHandshake.start(reactor, ch, tls, codec, null, remote);
        }
    }

    /** Binds {@code address} and registers it with the loop; blocks until registered. Any thread. */
    InetSocketAddress bind(SocketAddress address, ConnectionOptions options) throws IOException {
        if (!reactor.loop.isRunning()) {
            throw new IllegalStateException("reactor is closed");
        }
        FrameCodec codec = options.codec() != null ? options.codec() : reactor.config.codec();
        TlsOptions tls = options.tls();
        if (tls != null && tls.isClient()) {
            throw new IllegalArgumentException("a listener needs TlsOptions.server, not client");
        }
        Admission.checkSocketOptions(options.socketOptions());
        ServerSocketChannel ssc = ServerSocketChannel.open();
        try {
            ssc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            Object receiveBuffer = options.socketOptions().get(StandardSocketOptions.SO_RCVBUF);
            if (receiveBuffer != null) { // accepted sockets inherit it; a window above 64 KiB is agreed at accept
                ssc.setOption(StandardSocketOptions.SO_RCVBUF, (Integer) receiveBuffer);
            }
            ssc.bind(address, 1024);
            ssc.configureBlocking(false);
            InetSocketAddress local = (InetSocketAddress) ssc.getLocalAddress();
            CompletableFuture<Void> registered = new CompletableFuture<>();
            Runnable register = () -> {
                try {
                    if (!reactor.loop.isRunning()) {
                        throw new ClosedChannelException();
                    }
                    reactor.readPathFits(codec, tls);
                    Listener l = new Listener(ssc, codec, tls, local, options.socketOptions());
                    l.key = ssc.register(reactor.loop.selector(), SelectionKey.OP_ACCEPT, l);
                    listeners.add(l);
                    bound.add(local);
                    registered.complete(null);
                } catch (IOException | RuntimeException e) {
                    registered.completeExceptionally(e);
                }
            };
            if (reactor.loop.inEventLoop()) {
                register.run();
            } else {
                reactor.loop.execute(register);
            }
            registered.get(10, TimeUnit.SECONDS);
            log.debug("listening on {} with {}", local, codec);
            return local;
        } catch (IOException e) {
            closeQuietly(ssc);
            throw e;
        } catch (ExecutionException e) {
            closeQuietly(ssc);
            throw new IOException("cannot register " + address, e.getCause());
        } catch (InterruptedException e) {
            closeQuietly(ssc);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + address, e);
        } catch (TimeoutException | RejectedExecutionException e) {
            closeQuietly(ssc);
            throw new IOException("the loop did not register " + address, e);
        }
    }

    /** Any thread. */
    List<InetSocketAddress> boundAddresses() {
        return List.copyOf(bound);
    }

    /** Stops accepting: closes every listening socket. */
    void closeAll() {
        for (Listener l : listeners) {
            closeQuietly(l.channel);
        }
        listeners.clear();
        bound.clear();
    }

    private static void closeQuietly(ServerSocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("close failed", e);
        }
    }
}
