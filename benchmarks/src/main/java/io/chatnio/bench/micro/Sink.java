package io.chatnio.bench.micro;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * A client connection that reads and discards everything as fast as it can, on its own thread
 * ({@code "sink"}), counting the bytes; a waiter parks until a count is reached.
 *
 * <p>Threading: {@link #connect}, {@link #await} and {@link #close} from one thread (JMH's benchmark thread);
 * the sink thread alone reads the channel. Hand-off through volatiles: the waiter publishes its target
 * before checking the count, the sink publishes the count before checking the target, so one of them sees
 * the other and the waiter is never left parked past a reached target.
 */
final class Sink implements AutoCloseable {

    private final SocketChannel channel;
    private final Thread thread;

    private volatile long received;
    private volatile long target = Long.MAX_VALUE;
    private volatile Thread waiter;
    private volatile Throwable failure;

    private Sink(SocketChannel channel) {
        this.channel = channel;
        this.thread = new Thread(this::run, "sink");
        this.thread.setDaemon(true);
    }

    /** Connects to {@code server}, sends {@code hello} (so the server can tell this connection), starts reading. */
    static Sink connect(InetSocketAddress server, byte[] hello) throws IOException {
        SocketChannel ch = SocketChannel.open(server);
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer b = ByteBuffer.wrap(hello);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        Sink sink = new Sink(ch);
        sink.thread.start();
        return sink;
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
        long count = 0;
        try {
            while (true) {
                buf.clear();
                int n = channel.read(buf);
                if (n < 0) {
                    failure = new IOException("end of stream after " + count + " bytes");
                    break;
                }
                count += n;
                received = count;
                if (count >= target) {
                    wake();
                }
            }
        } catch (IOException e) {
            if (channel.isOpen()) {
                failure = e;
            }
        } finally {
            wake();
        }
    }

    private void wake() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** Bytes read so far. Any thread. */
    long received() {
        return received;
    }

    /**
     * Parks until {@code count} bytes in total have been read.
     *
     * @throws IllegalStateException if the connection failed or the count is not reached within {@code timeoutNanos}
     */
    void await(long count, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        waiter = Thread.currentThread();
        target = count;
        try {
            while (received < count) {
                Throwable f = failure;
                if (f != null) {
                    throw new IllegalStateException("sink failed at " + received + " of " + count + " bytes", f);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("sink stalled at " + received + " of " + count + " bytes");
                }
                LockSupport.parkNanos(this, left);
            }
        } finally {
            target = Long.MAX_VALUE;
            waiter = null;
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
            thread.join(5_000);
        } catch (IOException ignored) {
            // closing anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
