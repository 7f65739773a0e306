package io.chatnio.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * What the {@code client} does with the bytes the server sends: it cuts them into lines, answers the server's
 * heartbeat, and prints every other line unchanged.
 *
 * <ul>
 *   <li>{@link Protocol#IRC}: a {@code PING <params>} line (with or without a source) is answered with
 *       {@code PONG <params>} and not printed.</li>
 *   <li>{@link Protocol#SEED}: the server's heartbeat line {@code PING} is answered with {@code PONG}. The seed
 *       protocol has no line a server ignores, so the server answers that {@code PONG} with one
 *       {@code ERR expected IP:PORT:MESSAGE} line: neither the PING nor that one error line is printed. (If the
 *       user's own input produced the same error line, the lines are identical, so hiding either one prints the
 *       right number of them.)</li>
 * </ul>
 *
 * <p>Bytes after the last line end are held until the line is complete, and printed as they are by {@link #end}.
 *
 * <p><b>Threading.</b> Not thread-safe: {@link #received} and {@link #end} are called on the client reactor's loop
 * thread only.
 */
final class ReceivedLines {
    /** The seed server's answer to {@code PONG}: it is not an address. */
    static final String SEED_PONG_ANSWER = "ERR expected IP:PORT:MESSAGE";

    private final Protocol protocol;
    /** Sends a line, given without its line end, to the server. */
    private final Consumer<String> reply;
    private final PrintStream out;
    /** The bytes of the current, incomplete line. */
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    /** Seed: error lines still to hide, one per PONG sent. */
    private int answersToHide;

    ReceivedLines(Protocol protocol, Consumer<String> reply, PrintStream out) {
        this.protocol = protocol;
        this.reply = reply;
        this.out = out;
    }

    /** Handles the bytes of one read. */
    void received(ByteBuffer bytes) {
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
            line.write(b);
            if (b == '\n') {
                handle(line.toByteArray());
                line.reset();
            }
        }
        out.flush();
    }

    /** The connection ended: prints what is left of an unterminated last line. */
    void end() {
        if (line.size() > 0) {
            out.write(line.toByteArray(), 0, line.size());
            line.reset();
        }
        out.flush();
    }

    private void handle(byte[] bytes) {
        String text = withoutLineEnd(bytes);
        if (protocol == Protocol.IRC) {
            String params = ircPingParams(text);
            if (params != null) {
                reply.accept("PONG" + params);
                return;
            }
        } else if (text.equals("PING")) {
            answersToHide++;
            reply.accept("PONG");
            return;
        } else if (answersToHide > 0 && text.equals(SEED_PONG_ANSWER)) {
            answersToHide--;
            return;
        }
        out.write(bytes, 0, bytes.length);
    }

    /**
     * The parameters of an IRC {@code PING} line, with their leading space ({@code " :token"}), or null if the
     * line is not a PING. A source prefix is skipped; the verb is case-insensitive.
     */
    static String ircPingParams(String line) {
        String rest = line;
        if (rest.startsWith(":")) {
            int space = rest.indexOf(' ');
            if (space < 0) {
                return null;
            }
            rest = rest.substring(space).stripLeading();
        }
        if (rest.length() < 4 || !rest.regionMatches(true, 0, "PING", 0, 4)) {
            return null;
        }
        if (rest.length() > 4 && rest.charAt(4) != ' ') {
            return null;
        }
        return rest.substring(4);
    }

    private static String withoutLineEnd(byte[] bytes) {
        int n = bytes.length;
        if (n > 0 && bytes[n - 1] == '\n') {
            n--;
        }
        if (n > 0 && bytes[n - 1] == '\r') {
            n--;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }
}
