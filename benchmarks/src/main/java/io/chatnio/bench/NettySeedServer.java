package io.chatnio.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.collection.LongObjectHashMap;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The seed protocol on Netty 4.2, tuned the way a Netty engineer would for a forwarding server:
 * <ul>
 *   <li>one event loop thread does all I/O (boss and worker are the same single-thread group), so the
 *       routing state is confined to it and needs no synchronisation;</li>
 *   <li>pooled direct buffers; lines are found and parsed in place in the cumulation buffer by one
 *       hand-written {@link ByteToMessageDecoder} that emits no frame objects;</li>
 *   <li>IPv4 targets are looked up by a primitive {@code long} key ({@code ipv4 << 16 | port}), IPv6 in a
 *       fallback map;</li>
 *   <li>each delivery is one pooled buffer, prefix + payload + suffix (the payload copied once), written
 *       without flush; every target touched while handling a read batch is flushed once, in
 *       {@code channelReadComplete} of the sender; a room message is encoded once and written to each
 *       member as a retained duplicate;</li>
 *   <li>back-pressure: when a target is not writable (above the high water mark) the sender's auto-read
 *       is switched off, and switched back on when that target's writability returns (or it closes).</li>
 * </ul>
 * {@code netty-tls} puts Netty's {@code SslHandler} ({@link BenchTls#nettyServer}: the JDK's engine) in
 * front of the same handler.
 *
 * <p>Threading: {@link #start} and {@link #close} are called by the owner from any thread; everything
 * else runs on the single event loop thread.
 */
final class NettySeedServer implements SeedServer {

    /** The I/O transport; EPOLL needs Linux and the native library. */
    enum Transport { NIO, EPOLL }

    static final int BACKLOG = 4096;
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);
    private static final ByteBuf OFFLINE = constant(SeedProtocol.OFFLINE_BYTES);
    private static final ByteBuf[] ERRORS = new ByteBuf[SeedProtocol.Error.values().length];

    static {
        for (SeedProtocol.Error e : SeedProtocol.Error.values()) {
            ERRORS[e.ordinal()] = constant(e.line());
        }
    }

    private final EventLoopGroup group;
    private final Channel serverChannel;

    private NettySeedServer(EventLoopGroup group, Channel serverChannel) {
        this.group = group;
        this.serverChannel = serverChannel;
    }

    static NettySeedServer start(InetSocketAddress bind, Transport transport) {
        return start(bind, transport, null);
    }

    /** The server on {@code transport}, with TLS under the seed protocol unless {@code tls} is null. */
    static NettySeedServer start(InetSocketAddress bind, Transport transport, SslContext tls) {
        IoHandlerFactory ioHandler;
        Class<? extends ServerChannel> channelType;
        if (transport == Transport.EPOLL) {
            if (!Epoll.isAvailable()) {
                throw new UnsupportedOperationException("epoll unavailable", Epoll.unavailabilityCause());
            }
            ioHandler = EpollIoHandler.newFactory();
            channelType = EpollServerSocketChannel.class;
        } else {
            ioHandler = NioIoHandler.newFactory();
            channelType = NioServerSocketChannel.class;
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ioHandler);
        try {
            Router router = new Router();
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, BACKLOG)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (tls != null) {
                                SslHandler ssl = tls.newHandler(ch.alloc());
                                ssl.setHandshakeTimeoutMillis(BenchTls.HANDSHAKE_TIMEOUT.toMillis());
                                ch.pipeline().addLast(ssl);
                            }
                            ch.pipeline().addLast(new SeedHandler(router));
                        }
                    })
                    .childOption(ChannelOption.SO_SNDBUF, SeedServer.sendBuffer() > 0 ? SeedServer.sendBuffer() : null)
                    .bind(bind)
                    .syncUninterruptibly()
                    .channel();
            return new NettySeedServer(group, channel);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static ByteBuf constant(byte[] bytes) {
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes).asReadOnly());
    }

    /**
     * Routing state shared by all connections, and when to flush; confined to the event loop thread. This
     * class flushes after each read batch; {@link NettyBatchedSeedServer} overrides when.
     */
    static class Router {
        final LongObjectHashMap<SeedHandler> ipv4 = new LongObjectHashMap<>(4096);
        final Map<InetSocketAddress, SeedHandler> ipv6 = new HashMap<>();
        final Map<String, List<SeedHandler>> rooms = new HashMap<>();
        /** Connections written to but not yet flushed, each at most once (see {@code flushPending}). */
        final ArrayList<SeedHandler> dirty = new ArrayList<>();

        SeedHandler lookup(SeedLine line) {
            return line.ipv4Key >= 0 ? ipv4.get(line.ipv4Key) : ipv6.get(line.ipv6Target);
        }

        /** {@code bytes} were written, not yet flushed, to a target. */
        void queued(int bytes) {
        }

        /** A sender's read batch is complete: flush every target it wrote to. */
        void readComplete() {
            flushDirty();
        }

        void flushDirty() {
            ArrayList<SeedHandler> targets = dirty;
            for (int i = 0, n = targets.size(); i < n; i++) {
                SeedHandler target = targets.get(i);
                target.flushPending = false;
                target.ctx.flush();
            }
            targets.clear();
        }
    }

    /**
     * One connection: finds lines in the cumulation buffer and routes them. Event loop thread only.
     */
    static final class SeedHandler extends ByteToMessageDecoder {
        private final Router router;
        private final SeedLine line = new SeedLine();
        /** Senders whose auto-read was switched off because this connection was not writable. */
        private final ArrayList<SeedHandler> pausedSenders = new ArrayList<>(1);
        private final ArrayList<String> joinedRooms = new ArrayList<>(1);
        private ChannelHandlerContext ctx;
        private InetSocketAddress remote;
        private long ipv4Key;
        private byte[] prefix;
        private boolean flushPending;

        SeedHandler(Router router) {
            this.router = router;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            this.ctx = ctx;
            remote = (InetSocketAddress) ctx.channel().remoteAddress();
            ipv4Key = SeedProtocol.ipv4Key(remote);
            prefix = SeedProtocol.deliveryPrefix(remote.getPort());
            if (ipv4Key >= 0) {
                router.ipv4.put(ipv4Key, this);
            } else {
                router.ipv6.put(remote, this);
            }
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (ipv4Key >= 0) {
                router.ipv4.remove(ipv4Key, this);
            } else if (remote != null) {
                router.ipv6.remove(remote, this);
            }
            for (String room : joinedRooms) {
                List<SeedHandler> members = router.rooms.get(room);
                members.remove(this);
                if (members.isEmpty()) {
                    router.rooms.remove(room);
                }
            }
            joinedRooms.clear();
            resumePausedSenders();
            super.channelInactive(ctx); // decodes what is left, which may write
            router.flushDirty();
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int start = in.readerIndex();
            int end = in.writerIndex();
            // Each pass consumes one line, so this loop is bounded by the readable bytes.
            while (start < end) {
                int lf = in.indexOf(start, end, (byte) '\n');
                if (SeedLine.tooLong(in, start, lf, end)) {
                    in.skipBytes(in.readableBytes());
                    ctx.close();
                    return;
                }
                if (lf < 0) {
                    break; // an incomplete line stays in the cumulation buffer
                }
                route(in, start, lf);
                start = lf + 1;
            }
            in.readerIndex(start);
        }

        private void route(ByteBuf in, int start, int lf) {
            switch (line.parse(in, start, lf)) {
                case DIRECT -> {
                    SeedHandler target = router.lookup(line);
                    if (target == null) {
                        writeTo(this, OFFLINE.duplicate());
                    } else {
                        writeTo(target, encode(in));
                    }
                }
                case ROOM -> fanOut(in);
                case JOIN -> join(line.room);
                case ERROR -> writeTo(this, ERRORS[line.error.ordinal()].duplicate());
            }
        }

        /** prefix + message + " \n" in one pooled direct buffer: the payload is copied exactly once. */
        private ByteBuf encode(ByteBuf in) {
            int length = line.messageLength;
            ByteBuf out = ctx.alloc().directBuffer(prefix.length + length + 2);
            out.writeBytes(prefix).writeBytes(in, line.messageIndex, length).writeShort(' ' << 8 | '\n');
            return out;
        }

        private void fanOut(ByteBuf in) {
            List<SeedHandler> members = router.rooms.get(line.room);
            if (members == null) {
                return;
            }
            ByteBuf encoded = encode(in);
            try {
                for (int i = 0, n = members.size(); i < n; i++) {
                    SeedHandler member = members.get(i);
                    if (member != this) {
                        writeTo(member, encoded.retainedDuplicate());
                    }
                }
            } finally {
                encoded.release();
            }
        }

        private void join(String room) {
            if (!joinedRooms.contains(room)) {
                joinedRooms.add(room);
                router.rooms.computeIfAbsent(room, r -> new ArrayList<>()).add(this);
            }
        }

        /** Writes without flushing; the router flushes the target (at the end of this read batch, here). */
        private void writeTo(SeedHandler target, ByteBuf msg) {
            router.queued(msg.readableBytes());
            target.ctx.write(msg, target.ctx.voidPromise());
            if (!target.flushPending) {
                target.flushPending = true;
                router.dirty.add(target);
            }
            if (!target.ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
                if (!target.pausedSenders.contains(this)) {
                    target.pausedSenders.add(this);
                }
            }
        }

        /**
         * Lets the router flush every target this read batch wrote to. Deliberately not {@code super}: with
         * auto-read off, ByteToMessageDecoder calls {@code ctx.read()} after a batch that decoded no message
         * (this decoder never emits one, it routes in place), which would undo the back-pressure pause.
         */
        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            router.readComplete();
            discardSomeReadBytes();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable()) {
                resumePausedSenders();
            }
            super.channelWritabilityChanged(ctx);
        }

        private void resumePausedSenders() {
            for (int i = 0, n = pausedSenders.size(); i < n; i++) {
                Channel sender = pausedSenders.get(i).ctx.channel();
                if (sender.isActive()) {
                    sender.config().setAutoRead(true);
                }
            }
            pausedSenders.clear();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
