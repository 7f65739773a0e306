package io.chatnio.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The seed protocol with blocking {@code java.net} sockets and a thread per connection, written as a competent
 * engineer would write that design, so that comparing against it measures the architecture and not a weak
 * implementation of it:
 * <ul>
 *   <li>reads of up to 64 KiB, every complete line in a read parsed in place ({@link SeedLine}, the parser
 *       the Netty server uses) and routed before the next read;</li>
 *   <li>buffered output per connection ({@link Outbox}): lines from any number of senders are appended under
 *       the receiver's lock and reach its socket in one {@code write} per sender read chunk (or per 64 KiB),
 *       not one per message;</li>
 *   <li>IPv4 targets looked up by a primitive key {@code ipv4 << 16 | port} in a lock-free
 *       {@link CopyOnWriteLongMap} (no allocation per lookup), IPv6 in a concurrent fallback map;</li>
 *   <li>rooms as copy-on-write member arrays, so a room message iterates without allocating;</li>
 *   <li>back-pressure for free: a sender whose target does not read blocks in the write, and stops reading.</li>
 * </ul>
 * The threads come from a {@link ThreadFactory}: platform threads ({@code blocking}, {@link #onPlatformThreads})
 * or virtual threads ({@code virtual}, {@link #onVirtualThreads}, JDK 21+), one per connection either way; the
 * code is the same.
 *
 * <p>Threading: one acceptor thread; one thread per connection reads that connection, appends to the outboxes
 * of whichever connections its lines target, and flushes the outboxes it is responsible for (see
 * {@link Outbox}) at the end of each read chunk, before it can block in the next read. The routing maps are
 * shared by all of them (lock-free reads). {@link #onPlatformThreads}, {@link #onVirtualThreads} and
 * {@link #close} are called by the owner from any thread.
 */
final class BufferedBlockingSeedServer implements SeedServer {

    private static final int BACKLOG = 4096;
    private static final long PLATFORM_STACK_SIZE = 256 * 1024;
    /** Bytes asked of one read; the read buffer grows past this only for a line that does not fit. */
    static final int READ_CHUNK = 64 * 1024;
    private static final long CLOSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Connection[] NO_MEMBERS = {};

    /** Bound before the constructor runs; closed only by {@link #close}. */
    private final ServerSocket serverSocket;
    /** Makes every thread of this server, acceptor included, unstarted: platform or virtual. */
    private final ThreadFactory threads;
    /** Names the threads: {@code <prefix>-acceptor}, {@code <prefix>-<remote port>}. */
    private final String threadName;
    /** Runs {@link #acceptLoop} from {@link #start} until the server socket closes. */
    private final Thread acceptor;
    /** IPv4 clients by {@code ipv4 << 16 | port}; an entry from accept until its reader ends. */
    private final CopyOnWriteLongMap<Connection> ipv4 = new CopyOnWriteLongMap<>();
    /** IPv6 clients by remote address; same lifetime. */
    private final ConcurrentHashMap<InetSocketAddress, Connection> ipv6 = new ConcurrentHashMap<>();
    /** Room name to its members, each array immutable once published; no empty rooms. */
    private final ConcurrentHashMap<String, Connection[]> rooms = new ConcurrentHashMap<>();
    /** Every open connection, for {@link #close}; an entry from accept until its reader ends. */
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    /** Set once by {@link #close}; the acceptor stops and closes what it accepts afterwards. */
    private volatile boolean closed;

    private BufferedBlockingSeedServer(ServerSocket serverSocket, ThreadFactory threads, String threadName) {
        this.serverSocket = serverSocket;
        this.threads = threads;
        this.threadName = threadName;
        this.acceptor = newThread(this::acceptLoop, threadName + "-acceptor");
    }

    /**
     * Starts a server whose acceptor and connection threads come from {@code threads}, named
     * {@code threadName-...}.
     */
    private static BufferedBlockingSeedServer start(InetSocketAddress bind, ThreadFactory threads, String threadName) {
        try {
            ServerSocket socket = new ServerSocket();
            try {
                socket.setReuseAddress(true);
                socket.bind(bind, BACKLOG);
                BufferedBlockingSeedServer server = new BufferedBlockingSeedServer(socket, threads, threadName);
                server.acceptor.start();
                return server;
            } catch (IOException | RuntimeException e) {
                closeQuietly(socket);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code blocking}: daemon platform threads with a 256 KiB stack, as {@link NaiveBlockingSeedServer} uses. */
    static BufferedBlockingSeedServer onPlatformThreads(InetSocketAddress bind) {
        ThreadFactory platform = task -> {
            Thread thread = new Thread(null, task, "seed-blocking", PLATFORM_STACK_SIZE);
            thread.setDaemon(true);
            return thread;
        };
        return start(bind, platform, "seed-blocking");
    }

    /**
     * {@code virtual}: one virtual thread per connection (and for the acceptor).
     *
     * @throws UnsupportedOperationException before JDK 21
     */
    static BufferedBlockingSeedServer onVirtualThreads(InetSocketAddress bind) {
        return start(bind, VirtualThreads.factory(), "seed-virtual");
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(serverSocket);
        long deadline = System.nanoTime() + CLOSE_TIMEOUT_NANOS;
        join(acceptor, deadline);
        List<Connection> all = new ArrayList<>(open);
        for (Connection c : all) {
            closeQuietly(c.socket); // unblocks its reader and any writer to it
        }
        for (Connection c : all) {
            join(c.thread, deadline);
        }
    }

    private Thread newThread(Runnable task, String name) {
        Thread thread = threads.newThread(task);
        thread.setName(name);
        return thread;
    }

    /** Acceptor thread. */
    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                socket.setTcpNoDelay(true);
                Connection connection = new Connection(socket);
                register(connection); // before it can send or be named
                connection.thread.start();
                if (closed) {
                    closeQuietly(socket);
                }
            } catch (IOException | RuntimeException e) {
                closeQuietly(socket);
            }
        }
    }

    private void register(Connection c) {
        open.add(c);
        if (c.ipv4Key >= 0) {
            ipv4.put(c.ipv4Key, c);
        } else {
            ipv6.put(c.remote, c);
        }
    }

    private Connection lookup(SeedLine line) {
        return line.ipv4Key >= 0 ? ipv4.get(line.ipv4Key) : ipv6.get(line.ipv6Target);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    private static void join(Thread thread, long deadlineNanos) {
        try {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One client. Its own thread reads and routes (everything but {@link #outbox} is that thread's, or
     * immutable); any connection's thread appends to its {@link #outbox}.
     */
    private final class Connection implements Runnable {
        /** Connected; closed by its own thread when it stops reading, or by a failed write, or by {@link #close}. */
        final Socket socket;
        /** The client's address as the server sees it: how others name it. */
        final InetSocketAddress remote;
        /** {@code ipv4 << 16 | port} of {@link #remote}, or -1 for an IPv6 client. */
        final long ipv4Key;
        /** Reads this connection: {@link #run}; started by the acceptor once registered. */
        final Thread thread;
        /** What other connections send this client; shared by every sender, guarded by its own lock. */
        final Outbox outbox;
        /** {@code <port> 账户对您说:}, the head of every line this client causes to be delivered. */
        private final byte[] prefix;
        /** Rooms this connection joined, each once; its own thread only. */
        private final List<String> joined = new ArrayList<>(1);
        /** Outboxes this thread must flush before its next read (see {@link Outbox}); its own thread only. */
        private final ArrayList<Outbox> responsible = new ArrayList<>();

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
            this.ipv4Key = SeedProtocol.ipv4Key(remote);
            this.outbox = new Outbox(socket);
            this.prefix = SeedProtocol.deliveryPrefix(remote.getPort());
            this.thread = newThread(this, threadName + "-" + remote.getPort());
        }

        @Override
        public void run() {
            ByteBuf buffer = Unpooled.buffer(READ_CHUNK, SeedProtocol.MAX_LINE_LENGTH + 2 + READ_CHUNK);
            SeedLine line = new SeedLine();
            try (socket) {
                InputStream in = socket.getInputStream();
                boolean keepReading = true;
                while (keepReading) {
                    if (!buffer.isWritable()) {
                        buffer.ensureWritable(READ_CHUNK); // one incomplete line fills the buffer
                    }
                    if (buffer.writeBytes(in, buffer.writableBytes()) < 0) {
                        break;
                    }
                    keepReading = routeLines(buffer, line);
                    flushResponsible(); // the chunk is routed: write it out before the next read can block
                    buffer.discardReadBytes();
                }
            } catch (IOException e) {
                // reset or closed: same as end of stream
            } finally {
                flushResponsible(); // normally empty here; not if routing failed half-way
                unregister();
            }
        }

        /** Routes every complete line; false when the connection must close (line too long). */
        private boolean routeLines(ByteBuf buffer, SeedLine line) {
            int start = buffer.readerIndex();
            int end = buffer.writerIndex();
            while (start < end) {
                int lf = buffer.indexOf(start, end, (byte) '\n');
                if (SeedLine.tooLong(buffer, start, lf, end)) {
                    return false;
                }
                if (lf < 0) {
                    break;
                }
                route(buffer, start, lf, line);
                start = lf + 1;
            }
            buffer.readerIndex(start);
            return true;
        }

        private void route(ByteBuf buffer, int start, int lf, SeedLine line) {
            switch (line.parse(buffer, start, lf)) {
                case DIRECT -> {
                    Connection target = lookup(line);
                    if (target == null) {
                        queued(outbox, outbox.append(SeedProtocol.OFFLINE_BYTES));
                    } else {
                        deliver(target, buffer, line);
                    }
                }
                case ROOM -> {
                    Connection[] members = rooms.getOrDefault(line.room, NO_MEMBERS);
                    for (Connection member : members) {
                        if (member != this) {
                            deliver(member, buffer, line);
                        }
                    }
                }
                case JOIN -> join(line.room);
                case ERROR -> queued(outbox, outbox.append(line.error.line()));
            }
        }

        private void deliver(Connection target, ByteBuf buffer, SeedLine line) {
            Outbox to = target.outbox;
            queued(to, to.appendLine(prefix, buffer, line.messageIndex, line.messageLength, SeedProtocol.SUFFIX_BYTES));
        }

        private void queued(Outbox to, boolean madeResponsible) {
            if (madeResponsible) {
                responsible.add(to);
            }
        }

        private void flushResponsible() {
            ArrayList<Outbox> list = responsible;
            for (int i = 0, n = list.size(); i < n; i++) {
                list.get(i).flush();
            }
            list.clear();
        }

        private void join(String room) {
            if (!joined.contains(room)) {
                joined.add(room);
                rooms.compute(room, (r, members) -> {
                    Connection[] m = members == null ? NO_MEMBERS : members;
                    Connection[] more = Arrays.copyOf(m, m.length + 1);
                    more[m.length] = this;
                    return more;
                });
            }
        }

        private void unregister() {
            if (ipv4Key >= 0) {
                ipv4.remove(ipv4Key, this);
            } else {
                ipv6.remove(remote, this);
            }
            for (String room : joined) {
                rooms.computeIfPresent(room, (r, members) -> without(members, this));
            }
            open.remove(this);
        }
    }

    /** {@code members} without {@code gone}, or null when that leaves none (the room goes away). */
    private static Connection[] without(Connection[] members, Connection gone) {
        Connection[] rest = new Connection[members.length - 1];
        int n = 0;
        for (Connection c : members) {
            if (c != gone) {
                if (n == rest.length) {
                    return members; // not a member after all
                }
                rest[n++] = c;
            }
        }
        return n == 0 ? null : rest;
    }
}
