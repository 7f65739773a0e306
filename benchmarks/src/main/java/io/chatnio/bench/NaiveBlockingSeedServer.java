package io.chatnio.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The seed protocol with blocking {@code java.net} sockets and a thread per connection, in the style of
 * the original Python design, but correct: a real line reader, writes to a target serialised on that
 * target's output stream, the offline notice, and rooms.
 *
 * <p>Seed name {@code blocking-naive}: the baseline a first port of that design gives, kept as it was for
 * comparison with earlier results; {@link BufferedBlockingSeedServer} ({@code blocking}) is the competent
 * thread-per-connection rival. Here each message is one {@code write} (one syscall) to the target under its
 * lock, as the original {@code sendall} per message; lines are read in 8 KiB chunks; every direct message
 * allocates an {@code InetSocketAddress} to look its target up. Parsing uses the same {@link SeedLine} as the
 * other servers (over a heap {@link ByteBuf} that is only a view of the read array).
 *
 * <p>Threading: one acceptor thread; one thread per connection reads that connection and writes to
 * whichever connections its lines target, holding the target's lock per write. The registry and rooms
 * are concurrent maps. {@link #start} and {@link #close} are called by the owner from any thread.
 */
final class NaiveBlockingSeedServer implements SeedServer {

    private static final int BACKLOG = 4096;
    private static final long STACK_SIZE = 256 * 1024;
    private static final int READ_CHUNK = 8 * 1024;
    private static final long CLOSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ServerSocket serverSocket;
    private final Thread acceptor;
    private final ConcurrentHashMap<InetSocketAddress, Connection> clients = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<Connection>> rooms = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private NaiveBlockingSeedServer(ServerSocket serverSocket) {
        this.serverSocket = serverSocket;
        this.acceptor = new Thread(null, this::acceptLoop, "seed-blocking-naive-acceptor", STACK_SIZE);
        this.acceptor.setDaemon(true);
    }

    static NaiveBlockingSeedServer start(InetSocketAddress bind) {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(bind, BACKLOG);
            NaiveBlockingSeedServer server = new NaiveBlockingSeedServer(socket);
            server.acceptor.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        List<Connection> open = new ArrayList<>(clients.values());
        for (Connection c : open) {
            closeQuietly(c.socket);
        }
        for (Connection c : open) {
            join(c.thread, deadline);
        }
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
                clients.put(connection.remote, connection); // registered before it can send or be named
                connection.thread.start();
                if (closed) {
                    closeQuietly(socket);
                }
            } catch (IOException e) {
                closeQuietly(socket);
            }
        }
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

    /** One client. Its thread reads and routes; any thread may {@link #send} to it. */
    private final class Connection implements Runnable {
        final Socket socket;
        final InetSocketAddress remote;
        final Thread thread;
        private final OutputStream out;
        private final byte[] prefix;
        /** Rooms this connection joined; its own thread only. */
        private final List<String> joined = new ArrayList<>(1);
        /** Where outgoing lines are composed; its own thread only. */
        private byte[] scratch = new byte[2048];

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
            this.out = socket.getOutputStream();
            this.prefix = SeedProtocol.deliveryPrefix(remote.getPort());
            this.thread = new Thread(null, this, "seed-blocking-naive-" + remote.getPort(), STACK_SIZE);
            this.thread.setDaemon(true);
        }

        /** Writes one complete line; called by any connection's thread. */
        void send(byte[] bytes, int length) {
            synchronized (out) {
                try {
                    out.write(bytes, 0, length);
                } catch (IOException e) {
                    closeQuietly(socket); // its own thread sees the close and unregisters
                }
            }
        }

        @Override
        public void run() {
            ByteBuf buffer = Unpooled.buffer(READ_CHUNK, SeedProtocol.MAX_LINE_LENGTH + 2 + READ_CHUNK);
            SeedLine line = new SeedLine();
            try (socket) {
                InputStream in = socket.getInputStream();
                while (buffer.writeBytes(in, buffer.writableBytes()) >= 0) {
                    if (!routeLines(buffer, line)) {
                        return;
                    }
                    buffer.discardReadBytes();
                    buffer.ensureWritable(READ_CHUNK);
                }
            } catch (IOException e) {
                // reset or closed: same as end of stream
            } finally {
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
                    Connection target = clients.get(line.ipv4Key >= 0 ? ipv4Address(line.ipv4Key) : line.ipv6Target);
                    if (target == null) {
                        send(SeedProtocol.OFFLINE_BYTES, SeedProtocol.OFFLINE_BYTES.length);
                    } else {
                        int length = compose(buffer, line); // may replace scratch
                        target.send(scratch, length);
                    }
                }
                case ROOM -> {
                    Set<Connection> members = rooms.get(line.room);
                    if (members != null) {
                        int length = compose(buffer, line);
                        for (Connection member : members) {
                            if (member != this) {
                                member.send(scratch, length);
                            }
                        }
                    }
                }
                case JOIN -> {
                    if (!joined.contains(line.room)) {
                        joined.add(line.room);
                        rooms.compute(line.room, (room, members) -> {
                            Set<Connection> set = members != null ? members : ConcurrentHashMap.newKeySet();
                            set.add(this);
                            return set;
                        });
                    }
                }
                case ERROR -> {
                    byte[] error = line.error.line();
                    send(error, error.length);
                }
            }
        }

        /** Puts prefix + message + " \n" into {@link #scratch}; returns its length. */
        private int compose(ByteBuf buffer, SeedLine line) {
            int length = prefix.length + line.messageLength + SeedProtocol.SUFFIX_BYTES.length;
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, scratch.length * 2)];
            }
            System.arraycopy(prefix, 0, scratch, 0, prefix.length);
            buffer.getBytes(line.messageIndex, scratch, prefix.length, line.messageLength);
            scratch[length - 2] = ' ';
            scratch[length - 1] = '\n';
            return length;
        }

        private void unregister() {
            clients.remove(remote, this);
            for (String room : joined) {
                rooms.computeIfPresent(room, (r, members) -> {
                    members.remove(this);
                    return members.isEmpty() ? null : members;
                });
            }
        }
    }

    private static InetSocketAddress ipv4Address(long key) {
        int ip = (int) (key >>> 16);
        byte[] bytes = {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip};
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), (int) (key & 0xFFFF));
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes are always an address", e);
        }
    }
}
