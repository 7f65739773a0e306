package io.chatnio.examples;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A blocking test client over loopback. Every read times out after {@link #TIMEOUT_MILLIS}, so a lost message
 * fails the test instead of hanging it. Not thread-safe: one thread writes and one thread reads, at most.
 */
final class TestClient implements AutoCloseable {
    static final int TIMEOUT_MILLIS = 10_000;
    /** " 账户对您说:" spelled out in UTF-8, independent of how this file is decoded. */
    static final byte[] SAYS = {' ',
        (byte) 0xE8, (byte) 0xB4, (byte) 0xA6, (byte) 0xE6, (byte) 0x88, (byte) 0xB7, (byte) 0xE5, (byte) 0xAF,
        (byte) 0xB9, (byte) 0xE6, (byte) 0x82, (byte) 0xA8, (byte) 0xE8, (byte) 0xAF, (byte) 0xB4, ':'};
    /** "对方已下线!\n" spelled out in UTF-8. */
    static final byte[] OFFLINE = {
        (byte) 0xE5, (byte) 0xAF, (byte) 0xB9, (byte) 0xE6, (byte) 0x96, (byte) 0xB9, (byte) 0xE5, (byte) 0xB7,
        (byte) 0xB2, (byte) 0xE4, (byte) 0xB8, (byte) 0x8B, (byte) 0xE7, (byte) 0xBA, (byte) 0xBF, '!', '\n'};

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private TestClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code server}. The server may not have registered the connection yet: see {@link #register}. */
    static TestClient connect(InetSocketAddress server) throws IOException {
        Socket socket = new Socket();
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        socket.connect(server, TIMEOUT_MILLIS);
        return new TestClient(socket);
    }

    /**
     * Connects and waits until a seed server has registered the connection: sends a message to itself
     * (terminated by {@code end}: "\n" for lines framing, "" for raw) and reads it back.
     */
    static TestClient register(InetSocketAddress server, String end) throws IOException {
        TestClient c = connect(server);
        c.send(c.address() + ":ping" + end);
        c.expect(c.delivered(c, "ping"));
        return c;
    }

    /**
     * This client's address as the server sees it, written as the protocol addresses it: {@code 127.0.0.1:PORT}
     * or {@code [0:0:0:0:0:0:0:1]:PORT}.
     */
    String address() {
        InetAddress ip = socket.getLocalAddress();
        String literal = ip.getHostAddress();
        return (literal.indexOf(':') >= 0 ? "[" + literal + "]" : literal) + ":" + port();
    }

    int port() {
        return socket.getLocalPort();
    }

    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Exactly the bytes the server delivers to this client for {@code message} sent by {@code sender}. */
    byte[] delivered(TestClient sender, String message) {
        return delivered(sender.port(), message);
    }

    static byte[] delivered(int senderPort, String message) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(Integer.toString(senderPort).getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(SAYS);
        b.writeBytes(message.getBytes(StandardCharsets.UTF_8));
        b.writeBytes(new byte[] {' ', '\n'});
        return b.toByteArray();
    }

    /** Reads one reply: the bytes up to and including the next "\n". */
    byte[] readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed after " + line.size() + " bytes: "
                        + line.toString(StandardCharsets.UTF_8));
            }
            line.write(b);
            if (b == '\n') {
                return line.toByteArray();
            }
        }
    }

    /** Reads the next reply and checks it is exactly {@code expected}. */
    void expect(byte[] expected) throws IOException {
        byte[] actual = readLine();
        if (!java.util.Arrays.equals(actual, expected)) {
            throw new AssertionError("expected <" + new String(expected, StandardCharsets.UTF_8)
                    + "> but was <" + new String(actual, StandardCharsets.UTF_8) + ">");
        }
    }

    /** Whether the server closed the connection (end of stream) within the read timeout; nothing else may arrive. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset: closed as well
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
