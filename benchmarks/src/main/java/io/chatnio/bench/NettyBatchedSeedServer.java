package io.chatnio.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The seed protocol on Netty 4.2 NIO, {@link NettySeedServer}'s handler and configuration, flushing once per
 * event-loop iteration instead of once per sender's read batch: the flush policy chat-nio's loop uses.
 *
 * <p>Every delivery is written without flush and its target remembered (once) in the router, as in
 * {@code netty}. When a sender's read batch completes, the targets are not flushed there; the first batch of
 * an iteration that wrote anything queues one task with
 * {@link SingleThreadEventLoop#executeAfterEventLoopIteration}, which the loop runs after it has handled
 * every ready channel of the iteration (and its task queue), and that task flushes every target once. So a
 * target written to by many senders in one iteration (fan-in, rooms with several speakers) gets one
 * {@code writev} instead of one per sender, and the reads of an iteration all happen before its writes.
 *
 * <p>Why this design, compared with Netty's own {@code FlushConsolidationHandler}: that handler sits in each
 * target's pipeline and, for a flush arriving outside the target's own read, {@code submit}s one task per
 * target per iteration (a new future each time); the router here schedules one pre-built task per iteration
 * for all targets and allocates no future. As in chat-nio ({@code Flusher.FLUSH_THRESHOLD}), a read batch
 * that leaves {@link #FLUSH_THRESHOLD} or more unflushed bytes flushes at once, so an iteration over
 * thousands of busy senders does not queue tens of megabytes before its first write (the queued bytes would
 * have left the CPU caches by the time the socket writes copy them); so does one that leaves
 * {@link #FLUSH_MESSAGES} deliveries, a bound of Netty's own. Holding deliveries until the flush also needs
 * a larger buffer cache on the loop thread than Netty's default: see {@link #SMALL_CACHE_SIZE}.
 *
 * <p>Threading: {@link #start} and {@link #close} are called by the owner from any thread; everything else
 * runs on the single event loop thread.
 */
final class NettyBatchedSeedServer implements SeedServer {

    /** Unflushed bytes after which a read batch flushes without waiting for the end of the iteration. */
    static final int FLUSH_THRESHOLD = 512 * 1024;

    /**
     * Unflushed deliveries after which a read batch flushes without waiting for the end of the iteration.
     * Until its flush, each delivery holds a pooled buffer and an outbound entry, which Netty's
     * {@code Recycler} keeps at most 4,096 of per thread and type: a pass holding more allocates them anew
     * (1000 pairs x 64 B: 87 B per message without this bound, 24 B with it). Half of 4,096 leaves room
     * for what the sockets have not taken yet. In 1:1 forwarding a target still gets one write per pass:
     * only when it is flushed changes.
     */
    static final int FLUSH_MESSAGES = 2048;

    /**
     * Pooled buffers the event loop's thread cache keeps per size class (Netty's default is 256). This server
     * holds up to {@link #FLUSH_MESSAGES} deliveries until a flush, plus what the sockets have not taken, and
     * releases them together. With the default, the buffers released beyond 256 go back to their chunk, which
     * keeps at most 1,023 of their {@code ByteBuffer} views, and the next pass allocates new views: 65 B per
     * message at 100 pairs x 64 B ({@code -prof gc}, whole JVM), 22 B with this cache.
     */
    static final int SMALL_CACHE_SIZE = 8192;

    private final EventLoopGroup group;
    private final Channel serverChannel;

    private NettyBatchedSeedServer(EventLoopGroup group, Channel serverChannel) {
        this.group = group;
        this.serverChannel = serverChannel;
    }

    static NettyBatchedSeedServer start(InetSocketAddress bind) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            NettySeedServer.Router router = new IterationFlushRouter((SingleThreadEventLoop) group.next());
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, NettySeedServer.BACKLOG)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.ALLOCATOR, Allocator.POOLED)
                    .childOption(ChannelOption.ALLOCATOR, Allocator.POOLED)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, NettySeedServer.WATER_MARK)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new NettySeedServer.SeedHandler(router));
                        }
                    })
                    .bind(bind)
                    .syncUninterruptibly()
                    .channel();
            return new NettyBatchedSeedServer(group, channel);
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

    /** The allocator of every such server in this JVM, made on first use (as Netty's own default is). */
    private static final class Allocator {
        /** {@link PooledByteBufAllocator#DEFAULT}'s settings, but {@link #SMALL_CACHE_SIZE}. */
        static final PooledByteBufAllocator POOLED = new PooledByteBufAllocator(true,
                PooledByteBufAllocator.defaultNumHeapArena(), PooledByteBufAllocator.defaultNumDirectArena(),
                PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
                SMALL_CACHE_SIZE, PooledByteBufAllocator.defaultNormalCacheSize(), true);
    }

    /** Defers the flush of a read batch's targets to the end of the event-loop iteration. Event loop only. */
    private static final class IterationFlushRouter extends NettySeedServer.Router {
        /** The one event loop, which runs every channel and {@link #endOfIteration}. */
        private final SingleThreadEventLoop loop;
        /** Flushes the targets; built once so that scheduling it allocates nothing. */
        private final Runnable endOfIteration = this::flushAtEndOfIteration;
        /** Whether {@link #endOfIteration} is queued to run at the end of the current iteration. */
        private boolean scheduled;
        /** Bytes written to targets since the last flush. */
        private long queuedSinceFlush;
        /** Deliveries written to targets since the last flush. */
        private int messagesSinceFlush;

        IterationFlushRouter(SingleThreadEventLoop loop) {
            this.loop = loop;
        }

        @Override
        void queued(int bytes) {
            queuedSinceFlush += bytes;
            messagesSinceFlush++;
        }

        @Override
        void readComplete() {
            if (queuedSinceFlush >= FLUSH_THRESHOLD || messagesSinceFlush >= FLUSH_MESSAGES) {
                flushDirty();
            } else if (!scheduled && !dirty.isEmpty()) {
                schedule();
            }
        }

        @Override
        void flushDirty() {
            queuedSinceFlush = 0;
            messagesSinceFlush = 0;
            super.flushDirty();
        }

        private void schedule() {
            try {
                loop.executeAfterEventLoopIteration(endOfIteration);
                scheduled = true;
            } catch (RejectedExecutionException shuttingDown) {
                flushDirty(); // the loop takes no more tasks: flush now rather than never
            }
        }

        private void flushAtEndOfIteration() {
            scheduled = false;
            flushDirty();
        }
    }
}
