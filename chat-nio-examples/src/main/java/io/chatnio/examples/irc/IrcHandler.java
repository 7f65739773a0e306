package io.chatnio.examples.irc;

import io.chatnio.Connection;
import io.chatnio.Handler;
import io.chatnio.Refusal;
import java.nio.ByteBuffer;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IRC server's {@link Handler}: gives each connection a {@link Client} in its attributes, parses each line
 * ({@link IrcLine}) and hands it to the command class that owns the verb. Before registration only CAP, PASS,
 * NICK, USER, PING, PONG and QUIT are accepted (anything else gets 451); after it, an unknown verb gets 421.
 * Every error is a numeric and the connection stays open.
 *
 * <p><b>Threading.</b> The reactor calls every method on its loop thread, one at a time, so the handler and all
 * the state it owns ({@link IrcState}'s maps, the clients, the reusable {@link IrcLine}) are confined to that
 * thread and need no locks. {@link #summary()} must be called on the loop too ({@link io.chatnio.Reactor#execute}).
 */
final class IrcHandler implements Handler {
    private static final Logger log = LoggerFactory.getLogger(IrcHandler.class);

    /** Reused for every line: the loop runs one callback at a time. */
    private final IrcLine line = new IrcLine();
    private final IrcState state = new IrcState();
    private final Clock clock;
    private final Replies replies;
    private final Registration registration;
    private final ChannelCommands channels;
    private final Messages messages;
    private final UserCommands users;

    IrcHandler(IrcServer.Options options, Clock clock) {
        this.clock = clock;
        this.replies = new Replies(options, java.time.ZonedDateTime.now(clock)
                .format(java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME));
        Relay relay = new Relay(state);
        this.registration = new Registration(state, replies, relay);
        this.channels = new ChannelCommands(state, replies, clock);
        this.messages = new Messages(state, replies);
        this.users = new UserCommands(state, replies);
    }

    @Override
    public void onOpen(Connection connection) {
        connection.attr(Client.KEY, new Client(connection, clock.millis() / 1000));
        log.debug("{} opened", connection);
    }

    @Override
    public void onMessage(Connection connection, ByteBuffer payload) {
        Client c = connection.attr(Client.KEY);
        if (c == null || c.gone || !line.parse(payload)) {
            return; // a client that quit, or an empty line: ignored
        }
        String verb = line.verb();
        if (!c.registered) {
            switch (verb) {
                case "CAP" -> registration.cap(c, line);
                case "PASS" -> registration.pass(c, line);
                case "NICK" -> registration.nick(c, line);
                case "USER" -> registration.user(c, line);
                case "PING" -> registration.ping(c, line);
                case "PONG" -> { } // any line counts as a sign of life: nothing else to do
                case "QUIT" -> registration.quit(c, line);
                default -> replies.notRegistered(c);
            }
            return;
        }
        switch (verb) {
            case "PRIVMSG" -> messages.privmsg(c, line);
            case "NOTICE" -> messages.notice(c, line);
            case "PING" -> registration.ping(c, line);
            case "PONG" -> { }
            case "JOIN" -> channels.join(c, line);
            case "PART" -> channels.part(c, line);
            case "TOPIC" -> channels.topic(c, line);
            case "NAMES" -> channels.names(c, line);
            case "LIST" -> channels.list(c, line);
            case "KICK" -> channels.kick(c, line);
            case "MODE" -> mode(c);
            case "WHO" -> users.who(c, line);
            case "WHOIS" -> users.whois(c, line);
            case "AWAY" -> users.away(c, line);
            case "MOTD" -> registration.motd(c);
            case "NICK" -> registration.nick(c, line);
            case "USER" -> registration.user(c, line);
            case "PASS" -> registration.pass(c, line);
            case "CAP" -> registration.cap(c, line);
            case "QUIT" -> registration.quit(c, line);
            default -> replies.unknownCommand(c, verb);
        }
    }

    private void mode(Client c) {
        if (!line.has(0)) {
            replies.needMoreParams(c, "MODE");
        } else if (Names.looksLikeChannel(line.buffer(), line.start(0), line.end(0))) {
            channels.mode(c, line);
        } else {
            users.mode(c, line);
        }
    }

    @Override
    public void onClose(Connection connection, Throwable cause) {
        Client c = connection.attr(Client.KEY);
        if (c != null) {
            registration.closed(c, cause);
        }
        log.debug("{} closed{}", connection, cause == null ? "" : ": " + cause);
    }

    @Override
    public void onRefused(Connection connection, Refusal reason) {
        String why = reason == Refusal.RATE_LIMITED ? "Excess flood" : "Too many connections";
        connection.send("ERROR :Closing Link: " + Client.host(connection.remoteAddress().getAddress()) + " (" + why
                + ")\r");
    }

    /** {@code "<n> clients, <m> channels"}. Loop thread only. */
    String summary() {
        return state.clientCount() + " clients, " + state.channelCount() + " channels";
    }

    @Override
    public String toString() {
        return "irc";
    }
}
