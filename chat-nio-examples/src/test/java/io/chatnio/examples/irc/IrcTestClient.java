package io.chatnio.examples.irc;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A blocking IRC client over a plain socket, for tests. Every line it reads must end with CR LF. Every read times
 * out after {@link #TIMEOUT_MILLIS}, so a missing line fails the test instead of hanging it. Not thread-safe:
 * one test thread uses it.
 */
public final class IrcTestClient implements AutoCloseable {
    static final int TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Whether {@link #readLine} answers the server's PINGs itself and skips them. */
    private boolean answerPings;

    private IrcTestClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static IrcTestClient connect(InetSocketAddress server) throws IOException {
        Socket socket = new Socket();
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        socket.connect(server, TIMEOUT_MILLIS);
        return new IrcTestClient(socket);
    }

    /** Connects and registers as {@code nick}; reads the welcome burst up to the end of the MOTD (376 or 422). */
    public static IrcTestClient register(InetSocketAddress server, String nick) throws IOException {
        IrcTestClient c = connect(server);
        c.send("NICK " + nick);
        c.send("USER " + nick + " 0 * :" + nick + " test");
        c.expectCode("001");
        c.readUntil(line -> line.contains(" 376 ") || line.contains(" 422 "));
        return c;
    }

    /** From now on, answers each {@code PING} line with a {@code PONG} and does not return it. */
    public IrcTestClient answeringPings() {
        answerPings = true;
        return this;
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Sends {@code line} with CR LF. */
    public void send(String line) throws IOException {
        sendRaw((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next line, as bytes without its CR LF; fails if it does not end with CR LF. */
    public byte[] readLineBytes() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed after " + line.size() + " bytes: " + line.toString(StandardCharsets.UTF_8));
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                if (bytes.length == 0 || bytes[bytes.length - 1] != '\r') {
                    throw new AssertionError("a line that does not end with CR LF: " + line);
                }
                if (bytes.length + 1 > 512) {
                    throw new AssertionError("a line of " + (bytes.length + 1) + " bytes");
                }
                return java.util.Arrays.copyOf(bytes, bytes.length - 1);
            }
            line.write(b);
        }
    }

    /** The next line, without its CR LF (PINGs skipped if {@link #answeringPings()}). */
    public String readLine() throws IOException {
        while (true) {
            String line = new String(readLineBytes(), StandardCharsets.UTF_8);
            if (answerPings && line.startsWith("PING ")) {
                send("PONG " + line.substring(5));
                continue;
            }
            return line;
        }
    }

    /** Reads the next line and checks it is exactly {@code expected}. */
    public void expect(String expected) throws IOException {
        String line = readLine();
        if (!line.equals(expected)) {
            throw new AssertionError("expected <" + expected + "> but was <" + line + ">");
        }
    }

    /** Reads lines up to the first with numeric {@code code} and returns that one. */
    public String expectCode(String code) throws IOException {
        List<String> seen = readUntil(line -> code.equals(word(line, 1)));
        return seen.get(seen.size() - 1);
    }

    /** Reads lines up to and including the first that {@code last} accepts. */
    public List<String> readUntil(java.util.function.Predicate<String> last) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            lines.add(line);
            if (last.test(line)) {
                return lines;
            }
        }
    }

    /** Word {@code i} of a line, split at spaces. */
    static String word(String line, int i) {
        String[] words = line.split(" ");
        return i < words.length ? words[i] : "";
    }

    /** Whether the server closed the connection (end of stream) within the read timeout; nothing else may arrive. */
    public boolean closedByServer() throws IOException {
        try {
            int b = in.read();
            if (b >= 0) {
                throw new AssertionError("expected the end of the stream, got more: " + (char) b + readLine());
            }
            return true;
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
