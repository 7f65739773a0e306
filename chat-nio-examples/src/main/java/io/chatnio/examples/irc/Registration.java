package io.chatnio.examples.irc;

import io.chatnio.MessageWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Connection registration and the connection's end: {@code CAP}, {@code PASS}, {@code NICK}, {@code USER}, the
 * welcome burst, {@code PING}, {@code PONG} and {@code QUIT}, and what happens when a connection closes without a
 * QUIT.
 *
 * <ul>
 *   <li>{@code CAP LS [302]}, {@code CAP LIST}: the server has no capabilities, so the list is empty
 *       ({@code CAP * LS :}); {@code CAP REQ} is refused with {@code CAP * NAK :<what was asked>}. LS and REQ
 *       suspend registration until {@code CAP END}, as capability negotiation requires.</li>
 *   <li>{@code PASS}: the server has no password; the command is accepted and ignored before registration.</li>
 *   <li>Registration completes once NICK and USER are both in (and no CAP negotiation is open): 001 to 005, then
 *       the MOTD or 422.</li>
 *   <li>{@code QUIT [reason]}: peers get {@code QUIT :Quit: <reason>}, each once; the client gets
 *       {@code ERROR :Closing Link: ...} and the connection is closed after it is written.</li>
 * </ul>
 *
 * <p><b>Threading.</b> Loop thread only: called by {@link IrcHandler} on the reactor's loop.
 */
final class Registration {
    private static final byte[] NO_CAPABILITIES = new byte[0];

    private final IrcState state;
    private final Replies replies;
    private final Relay relay;

    Registration(IrcState state, Replies replies, Relay relay) {
        this.state = state;
        this.replies = replies;
        this.relay = relay;
    }

    void cap(Client c, IrcLine line) {
        if (!line.has(0)) {
            replies.needMoreParams(c, "CAP");
            return;
        }
        String sub = line.param(0).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "LS" -> {
                c.negotiatingCaps = !c.registered;
                replies.cap(c, "LS", NO_CAPABILITIES);
            }
            case "LIST" -> replies.cap(c, "LIST", NO_CAPABILITIES);
            case "REQ" -> {
                c.negotiatingCaps = !c.registered;
                replies.cap(c, "NAK", line.size() > 1 ? line.paramBytes(1) : NO_CAPABILITIES);
            }
            case "END" -> {
                c.negotiatingCaps = false;
                completeIfReady(c);
            }
            default -> replies.invalidCapCommand(c, line.param(0));
        }
    }

    void pass(Client c, IrcLine line) {
        if (c.registered) {
            replies.alreadyRegistered(c);
        } else if (!line.has(0)) {
            replies.needMoreParams(c, "PASS");
        }
        // otherwise ignored: this server has no connection password
    }

    void nick(Client c, IrcLine line) {
        if (!line.has(0)) {
            replies.noNicknameGiven(c);
            return;
        }
        int from = line.start(0);
        int to = line.end(0);
        if (!Names.isNick(line.buffer(), from, to)) {
            replies.erroneousNickname(c, line.param(0));
            return;
        }
        String nick = line.param(0);
        if (nick.equals(c.nick)) {
            return; // no change at all
        }
        byte[] oldSource = c.source;
        if (!state.setNick(c, nick)) {
            replies.nicknameInUse(c, nick);
            return;
        }
        if (c.registered) { // ":old!user@host NICK :new" to the client and every peer, once each
            MessageWriter w = c.connection.reactor().fanout();
            w.put(oldSource).putUtf8("NICK :").putUtf8(nick);
            relay.toPeers(w, c, true);
        } else {
            completeIfReady(c);
        }
    }

    void user(Client c, IrcLine line) {
        if (c.registered) {
            replies.alreadyRegistered(c);
            return;
        }
        if (line.size() < 4 || !line.has(0)) {
            replies.needMoreParams(c, "USER");
            return;
        }
        String user = line.param(0);
        if (!Names.isUser(user)) {
            replies.invalidUsername(c);
            return;
        }
        c.user = user.length() > Names.USERLEN ? user.substring(0, Names.USERLEN) : user;
        c.realname = Utf8.truncate(line.paramBytes(3), Names.REALNAMELEN);
        completeIfReady(c);
    }

    /** Sends the welcome burst if the client has a nick and a user and no capability negotiation is open. */
    private void completeIfReady(Client c) {
        if (c.registered || c.nick == null || c.user == null || c.negotiatingCaps) {
            return;
        }
        c.registered = true;
        c.updateSource();
        replies.welcome(c);
        replies.motd(c);
    }

    void motd(Client c) {
        replies.motd(c);
    }

    void ping(Client c, IrcLine line) {
        if (!line.has(0)) {
            replies.noOrigin(c);
            return;
        }
        replies.pong(c, line.paramBytes(0));
    }

    void quit(Client c, IrcLine line) {
        String reason = line.size() > 0 ? line.param(0) : "";
        leave(c, "Quit: " + reason);
        Replies.error(c, "Closing Link: " + c.host + " (Quit: " + reason + ")");
        c.connection.close(); // graceful: the ERROR line is written first
    }

    /**
     * The connection closed without a QUIT (or the server closed it): peers are told why, once each, and the
     * client's nick and channels are released. Nothing is written to the closed connection itself.
     */
    void closed(Client c, Throwable cause) {
        if (!c.gone) {
            leave(c, reason(cause));
        }
    }

    /** Tells every peer {@code QUIT :<reason>}, once each, and forgets the client. */
    private void leave(Client c, String reason) {
        if (c.registered && !c.channels.isEmpty()) {
            MessageWriter w = Relay.from(c);
            w.putUtf8("QUIT :");
            byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            w.put(text, 0, Utf8.cut(text, Replies.MAX_CONTENT - w.length()));
            relay.toPeers(w, c, false);
        }
        state.forget(c);
    }

    /** The QUIT reason peers see when a connection closed without a QUIT, from why it closed. */
    static String reason(Throwable cause) {
        if (cause == null) {
            return "Connection closed";
        }
        if (cause instanceof io.chatnio.FrameException.TooLong) {
            return "Input line was too long";
        }
        if (cause instanceof io.chatnio.FrameException) {
            return "Malformed input";
        }
        String message = String.valueOf(cause.getMessage());
        if (message.startsWith("heartbeat")) {
            return "Ping timeout";
        }
        if (message.startsWith("slow consumer")) {
            return "SendQ exceeded";
        }
        if (message.startsWith("rate limit")) {
            return "Excess flood";
        }
        return "Connection closed: " + message;
    }
}
