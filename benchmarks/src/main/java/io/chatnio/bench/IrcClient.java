package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One client connection of the IRC load driver: a receiver (the target of a 1:1 pair, or a channel member) or
 * a sender.
 *
 * <p><b>Setup</b> goes in steps ({@link #send}): a few commands, then {@code PING :<step>}; since a server
 * answers a client's lines in order, the {@code PONG} with that token says it has processed the commands
 * before it and sent every reply to them. A receiver's setup ends with its <em>go</em> line, the sender's
 * {@code PRIVMSG <target> :go}: from it the receiver learns the exact source the server gives the sender
 * ({@code :nick!user@host}), hence every byte of the message lines to expect ({@link IrcLineChecker#expect}).
 * A sender's setup ends with the PONG of its go step. Until then lines the driver does not wait for (the
 * registration burst, JOIN and NAMES lines, notices) are ignored, except {@code ERROR} and error numerics
 * (400 to 599), which fail the driver. Afterwards only message lines (receivers) and the server's
 * {@code PING}s, answered at once with a {@code PONG}, may arrive.
 *
 * <p><b>Load</b>: a sender writes {@code PRIVMSG <target> :<message>} CR LF lines 0, 1, 2, ... as fast as its
 * credit (set by the driver's flow control) allows, from a ring of {@code window + 1} line slots in one direct
 * buffer, patching each line's sequence digits in place just before it is first written: a
 * {@link LineRing}, as {@link LoadSender}'s. A PONG is written only between two lines (never inside one), so it may wait
 * for the line being written to finish. No allocation per message.
 *
 * <p>Threading: built on the thread that sets the scenario up; afterwards the driver thread only, except
 * {@link #close} (any thread, after the driver thread stopped) and {@link #firstLine} (any thread).
 */
final class IrcClient extends LoadConnection implements IrcLineChecker.Listener {

    /** What the driver's loop learns from a client. */
    interface Events {
        /** The PONG of {@code client}'s last step arrived: the server has processed that step. */
        void onStepDone(IrcClient client) throws IOException;

        /** Receiver {@code client} got its go line; message lines follow. */
        void onGo(IrcClient client);

        /** {@code client} has bytes to write: pump it after this selection round. */
        void onWriteWanted(IrcClient client);

        /** {@code client} answered a server PING. */
        void onPong(IrcClient client);
    }

    /** Room for setup commands and PONGs not yet written; they are a few hundred bytes at most. */
    private static final int CONTROL_SIZE = 8 * 1024;

    /** Its nick. */
    final String nick;
    /** Its index: the pair index (1:1), the member index (channel), 0 for the channel's sender. */
    final int index;
    /** Whether it sends the load (else it receives). */
    final boolean sender;
    /** Checks and counts what it receives; hands the other lines to this client. */
    final IrcLineChecker checker;
    /** Whether it is in the driver's list of clients to pump after this selection round. */
    boolean dirty;
    /** Senders: messages it may have sent in total; only grows. */
    long credit;

    /** Gets its setup progress, go line, write wishes and PONGs. */
    private final Events events;
    /** Receivers: the nick whose go line they wait for; null for senders. */
    private final String goFrom;
    /** Receivers: the target of the go line and of every message line (their nick or the channel). */
    private final String goTarget;
    /** Receivers: the message of sequence 0, the part of a message line after {@code " :"}. */
    private final byte[] message;
    /** Receivers: the index of the sender whose stamps they expect. */
    private final int senderIndex;
    /** Setup commands and PONGs still to write, in write mode: {@code [0, position)} waits. */
    private final ByteBuffer control = ByteBuffer.allocateDirect(CONTROL_SIZE);
    /** The token of the PONG its running step waits for; null when none. */
    private String awaitedPong;
    /** Whether the running step is its last: its PONG ends the setup. */
    private boolean lastStep;
    /** Whether its setup is over: only message lines and PINGs may arrive. */
    private boolean loaded;

    /** Senders: its lines, and how much of them is written; null for receivers. */
    private final LineRing ring;

    private IrcClient(SocketChannel channel, Selector selector, int index, String nick, boolean sender,
                      Events events, String goFrom, String goTarget, byte[] message, int senderIndex,
                      byte[] line, int stampAt, int window) throws IOException {
        super(channel, selector, null, 0, 0); // IRC load runs over plain TCP
        this.index = index;
        this.nick = nick;
        this.sender = sender;
        this.events = events;
        this.goFrom = goFrom;
        this.goTarget = goTarget;
        this.message = message;
        this.senderIndex = senderIndex;
        this.checker = new IrcLineChecker((sender ? "sender " : "receiver ") + nick, this);
        this.ring = line == null ? null : new LineRing(nick, line, stampAt, window);
    }

    /**
     * A receiver: it waits for the go line {@code :<goFrom>!user@host PRIVMSG <goTarget> :go}, then for
     * message lines of that source and target carrying {@code message} (the stamp of {@code senderIndex}).
     */
    static IrcClient receiver(SocketChannel channel, Selector selector, int index, String nick, Events events,
                              String goFrom, String goTarget, byte[] message, int senderIndex) throws IOException {
        return new IrcClient(channel, selector, index, nick, false, events, goFrom, goTarget, message.clone(),
                senderIndex, null, 0, 0);
    }

    /**
     * A sender of {@code line} (its CR LF included), the stamp of sequence 0 at {@code stampAt}; at most
     * {@code window} messages are credited beyond the last one fully written.
     */
    static IrcClient sender(SocketChannel channel, Selector selector, int index, String nick, Events events,
                            byte[] line, int stampAt, int window) throws IOException {
        if (line.length < 2 || line[line.length - 2] != '\r' || line[line.length - 1] != '\n') {
            throw new IllegalArgumentException("a sender's line ends in CR LF");
        }
        return new IrcClient(channel, selector, index, nick, true, events, null, null, null, 0, line, stampAt,
                window);
    }

    /**
     * Starts a setup step: queues {@code commands} (CR LF terminated lines, possibly none) and
     * {@code PING :<token>}, and waits for the PONG of {@code token}; {@code last} if it ends the setup.
     */
    void send(String commands, String token, boolean last) {
        append(commands + "PING :" + token + "\r\n");
        awaitedPong = token;
        lastStep = last;
        events.onWriteWanted(this);
    }

    /** Senders: messages written completely. */
    long messagesWritten() {
        return ring == null ? 0 : ring.messagesWritten();
    }

    /** Writes what it can: queued control lines (between two message lines), then every credited line byte. */
    void pump() throws IOException {
        boolean blocked = false;
        if (control.position() > 0 && (ring == null || ring.atLineBoundary())) {
            blocked = !writeControl();
        }
        if (!blocked && ring != null) {
            int slices = ring.frame(credit);
            blocked = slices > 0 && ring.writeTo(channel, slices);
            if (!blocked && control.position() > 0) {
                blocked = !writeControl(); // all credited lines written: a line boundary
            }
        }
        writeInterest(blocked);
    }

    /** A copy of the first message line it received, once checked, else null. */
    byte[] firstLine() {
        return checker.firstLine();
    }

    @Override
    public void onLine(byte[] bytes, int length) throws IOException {
        int end = length;
        while (end > 0 && (bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) {
            end--;
        }
        String line = new String(bytes, 0, end, UTF_8);
        String source = null;
        String rest = line;
        if (rest.startsWith(":")) {
            int space = rest.indexOf(' ');
            if (space < 0) {
                throw failure("a line with a source and nothing else", line);
            }
            source = rest.substring(1, space);
            rest = rest.substring(space + 1);
        }
        int space = rest.indexOf(' ');
        String command = space < 0 ? rest : rest.substring(0, space);
        String params = space < 0 ? "" : rest.substring(space + 1);
        String last = lastParameter(params);
        if (command.equals("PING")) {
            append("PONG :" + last + "\r\n");
            events.onPong(this);
            events.onWriteWanted(this);
            return;
        }
        if (command.equals("ERROR") || isErrorNumeric(command)) {
            throw failure("the server refused", line);
        }
        if (!loaded && command.equals("PONG") && last.equals(awaitedPong)) {
            awaitedPong = null;
            loaded = lastStep;
            events.onStepDone(this);
            return;
        }
        if (!loaded && goFrom != null && command.equals("PRIVMSG") && last.equals("go") && source != null
                && source.startsWith(goFrom + "!") && params.startsWith(goTarget + " ")) {
            onGoLine(bytes, length, line);
            return;
        }
        if (loaded) {
            throw failure("an unexpected line after setup", line);
        }
        // Setup: the registration burst, JOIN and NAMES lines, notices; nothing the driver waits for.
    }

    /** The go line {@code bytes[0, length)} arrived: expect message lines with its source and target. */
    private void onGoLine(byte[] bytes, int length, String line) throws IOException {
        int headLength = length - "go\r\n".length();
        if (headLength < 4 || bytes[length - 2] != '\r' || bytes[headLength] != 'g') {
            throw failure("a go line not ending in CR LF", line);
        }
        byte[] expected = new byte[headLength + message.length + 2];
        System.arraycopy(bytes, 0, expected, 0, headLength);
        System.arraycopy(message, 0, expected, headLength, message.length);
        expected[expected.length - 2] = '\r';
        expected[expected.length - 1] = '\n';
        checker.expect(expected, headLength + MessageStamp.OFFSET, senderIndex);
        loaded = true;
        events.onGo(this);
    }

    /** The last parameter of an IRC parameter list: the trailing one after {@code " :"}, else the last word. */
    private static String lastParameter(String params) {
        if (params.startsWith(":")) {
            return params.substring(1);
        }
        int trailing = params.indexOf(" :");
        if (trailing >= 0) {
            return params.substring(trailing + 2);
        }
        return params.substring(params.lastIndexOf(' ') + 1);
    }

    /** Whether {@code command} is a numeric reply from 400 to 599, an error. */
    private static boolean isErrorNumeric(String command) {
        return command.length() == 3 && (command.charAt(0) == '4' || command.charAt(0) == '5')
                && Character.isDigit(command.charAt(1)) && Character.isDigit(command.charAt(2));
    }

    private IOException failure(String what, String line) {
        return new IOException((sender ? "sender " : "receiver ") + nick + ": " + what + ": \"" + line + "\"");
    }

    private void append(String text) {
        byte[] bytes = text.getBytes(UTF_8);
        if (bytes.length > control.remaining()) {
            throw new IllegalStateException(nick + ": " + control.position() + " control bytes not written yet, no room"
                    + " for " + bytes.length + " more");
        }
        control.put(bytes);
    }

    /** Writes queued control bytes; true if all are written. */
    private boolean writeControl() throws IOException {
        control.flip();
        channel.write(control);
        boolean done = !control.hasRemaining();
        control.compact();
        return done;
    }
}
