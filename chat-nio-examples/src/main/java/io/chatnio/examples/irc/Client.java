package io.chatnio.examples.irc;

import io.chatnio.AttributeKey;
import io.chatnio.Connection;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The IRC state of one connection, kept in the connection's attributes under {@link #KEY}: its registration,
 * nick, user, host, away message, user modes and channels.
 *
 * <p><b>Threading.</b> Loop thread only, like the connection's attributes: every field is read and written by
 * the command handlers and the connection callbacks, which the reactor calls on its loop.
 */
final class Client {
    /** The attribute under which each connection's client is stored, from open to close. */
    static final AttributeKey<Client> KEY = AttributeKey.newKey("irc.client");

    /** The connection this client speaks on. */
    final Connection connection;
    /** The host shown in this client's source: its IP address as text, never starting with ':'. */
    final String host;
    /** When the connection opened, in Unix seconds. */
    final long signonSeconds;

    /** The nick, as the client spelled it; null until a valid NICK. */
    String nick;
    /** {@link #nick} folded; null with it. Equal to the key under which {@link IrcState} maps this client. */
    Key nickKey;
    /** The user name from USER, cut to USERLEN; null until USER. */
    String user;
    /** The real name from USER, as sent, cut to REALNAMELEN bytes; null until USER. */
    byte[] realname;
    /** True once the welcome burst was sent; commands other than registration ones are refused before. */
    boolean registered;
    /** True between CAP LS or CAP REQ and CAP END: registration waits for the negotiation to end. */
    boolean negotiatingCaps;
    /** True once the client quit (QUIT, or its connection closed) and its state was cleaned up: ignore it. */
    boolean gone;
    /** The away message (AWAY), at most AWAYLEN bytes; null while here. */
    byte[] away;
    /** User mode {@code +i}: hidden from WHO masks of clients who share no channel with it. */
    boolean invisible;
    /** {@code ":nick!user@host "} as bytes, the start of every message this client is the source of; null before registration. */
    byte[] source;
    /** The channels this client is in, in join order; each has this client among its members. */
    final List<Channel> channels = new ArrayList<>(4);
    /** The last broadcast round ({@link IrcState#nextRound}) that reached this client; avoids duplicates. */
    int round;

    Client(Connection connection, long signonSeconds) {
        this.connection = connection;
        this.host = host(connection.remoteAddress().getAddress());
        this.signonSeconds = signonSeconds;
    }

    /** The nick, or {@code *} before one is set: the target of numerics (Modern document). */
    String nickOrStar() {
        return nick == null ? "*" : nick;
    }

    /** Recomputes {@link #source} after the nick or user changed. */
    void updateSource() {
        source = (":" + nick + "!" + user + "@" + host + " ").getBytes(StandardCharsets.UTF_8);
    }

    /** {@code nick!user@host}, as in RPL_WELCOME. */
    String mask() {
        return nick + "!" + user + "@" + host;
    }

    /** Whether this client is in {@code channel}. */
    boolean isIn(Channel channel) {
        return channels.contains(channel);
    }

    /** The IP literal of {@code address}, without an IPv6 scope; {@code "0"} in front if it starts with ':'. */
    static String host(InetAddress address) {
        String ip = address.getHostAddress();
        int scope = ip.indexOf('%');
        if (scope >= 0) {
            ip = ip.substring(0, scope);
        }
        return ip.startsWith(":") ? "0" + ip : ip;
    }

    @Override
    public String toString() {
        return "Client(" + nickOrStar() + ", " + connection + ")";
    }
}
