package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A tiny blocking seed server on 127.0.0.1 for tests, direct messages only ({@code IP:PORT:MESSAGE}, by
 * port), with one deliberate fault: on message {@link #VICTIM} of the load driver's stamped messages it
 * drops, duplicates or corrupts sender 0's, or trades it between senders 0 and 1. One thread per connection; each delivered
 * line is written whole under the target's lock, so lines never interleave.
 *
 * <p>Threading: {@link #start} and {@link #close} on the test thread; the relay's own threads do the rest.
 */
final class FaultyRelay implements AutoCloseable {

    /** The stamped message (by sequence number) the fault hits: late enough that the driver runs at full window. */
    static final int VICTIM = 2 * LineChecker.FULL_CHECK_INTERVAL;

    enum Fault {
        /** Delivers everything faithfully. */
        NONE,
        /** Sender 0's message {@link #VICTIM} is never delivered. */
        DROP,
        /** Sender 0's message {@link #VICTIM} is delivered twice. */
        DUPLICATE,
        /** One byte in the middle of the payload of sender 0's message {@link #VICTIM} is changed. */
        CORRUPT,
        /** Senders 0 and 1 trade message {@link #VICTIM}: each receiver gets the other sender's in its place. */
        SWAP
    }

    /** The listening socket; closing it ends the acceptor thread. */
    private final ServerSocket server;
    /** The fault it commits on message {@link #VICTIM}. */
    private final Fault fault;
    /** Every accepted connection, by its remote port. */
    private final Map<Integer, Socket> byPort = new ConcurrentHashMap<>();
    /** The delivered line {@link #VICTIM} of senders 0 and 1, for {@link Fault#SWAP}. */
    private final CompletableFuture<byte[]>[] victimOf = newVictims();

    private FaultyRelay(ServerSocket server, Fault fault) {
        this.server = server;
        this.fault = fault;
    }

    static FaultyRelay start(Fault fault) throws IOException {
        FaultyRelay relay = new FaultyRelay(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), fault);
        Thread acceptor = new Thread(relay::acceptAll, "faulty-relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return relay;
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : byPort.values()) {
            s.close();
        }
    }

    private void acceptAll() {
        try {
            while (true) {
                Socket s = server.accept();
                byPort.put(s.getPort(), s);
                Thread reader = new Thread(() -> relay(s), "faulty-relay-" + s.getPort());
                reader.setDaemon(true);
                reader.start();
            }
        } catch (IOException closed) {
            // the test is over
        }
    }

    /** Reads lines from {@code from} and delivers them until the connection closes. */
    private void relay(Socket from) {
        try (InputStream in = new BufferedInputStream(from.getInputStream(), 64 * 1024)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                deliver(from.getPort(), line.toString(UTF_8));
                line.reset();
            }
        } catch (IOException closed) {
            // the test is over
        }
    }

    private void deliver(int senderPort, String line) throws IOException {
        int portStart = line.indexOf(':') + 1;
        int messageStart = line.indexOf(':', portStart) + 1;
        int targetPort = Integer.parseInt(line.substring(portStart, messageStart - 1));
        String message = line.substring(messageStart);
        byte[] delivered = SeedProtocol.deliveredLine(senderPort, message.getBytes(UTF_8));
        boolean stamped = message.length() >= 12 && message.substring(0, 12).matches("[0-9a-f]{12}");
        int sender = stamped ? Integer.parseInt(message.substring(0, 4), 16) : -1;
        boolean victim = stamped && Long.parseLong(message.substring(4, 12), 16) == VICTIM;
        if (!victim || fault == Fault.NONE || sender > 1 || fault != Fault.SWAP && sender != 0) {
            write(targetPort, delivered);
            return;
        }
        switch (fault) {
            case DROP -> { }
            case DUPLICATE -> {
                write(targetPort, delivered);
                write(targetPort, delivered);
            }
            case CORRUPT -> {
                delivered[delivered.length - 2 - (message.length() - 12) / 2] ^= 0x20;
                write(targetPort, delivered);
            }
            case SWAP -> {
                victimOf[sender].complete(delivered);
                write(targetPort, otherVictim(sender));
            }
            default -> throw new AssertionError(fault);
        }
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<byte[]>[] newVictims() {
        return new CompletableFuture[] {new CompletableFuture<byte[]>(), new CompletableFuture<byte[]>()};
    }

    /** The other sender's line {@link #VICTIM}, once its relay thread got there (this one waits for it). */
    private byte[] otherVictim(int sender) throws IOException {
        try {
            return victimOf[1 - sender].get(10, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IOException("sender " + (1 - sender) + " never sent", e);
        }
    }

    private void write(int port, byte[] line) throws IOException {
        Socket target = byPort.get(port);
        synchronized (target) {
            OutputStream out = target.getOutputStream();
            out.write(line);
        }
    }
}
