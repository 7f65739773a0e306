package io.chatnio.examples.irc;

import io.chatnio.MessageWriter;
import java.util.List;

/**
 * The lines a client is the source of ({@code :nick!user@host VERB ...}) sent to many clients at once: a
 * channel's members, or everyone who shares a channel with the client. Each line is written once into the
 * reactor's fan-out writer ({@link io.chatnio.Reactor#fanout()}) and its bytes are shared by every recipient's
 * queue, so a PRIVMSG to a channel of 1,000 members is formatted and encoded once, not 1,000 times.
 *
 * <p>Use: {@link #from} begins the line with the source, the caller appends the rest (without the line end),
 * then {@link #toChannel} or {@link #toPeers} ends it and sends it. Only one line may be in progress at a time
 * (the loop has one fan-out writer), so finish it before writing any other message.
 *
 * <p><b>Threading.</b> Loop thread only.
 */
final class Relay {
    private final IrcState state;

    Relay(IrcState state) {
        this.state = state;
    }

    /** Begins a fan-out line whose source is {@code source}: {@code ":nick!user@host "}. */
    static MessageWriter from(Client source) {
        MessageWriter w = source.connection.reactor().fanout();
        w.put(source.source);
        return w;
    }

    /** Ends the line and sends it to every member of {@code channel} except {@code except} (may be null). */
    static void toChannel(MessageWriter w, Channel channel, Client except) {
        w.put(Replies.CR);
        List<Client> members = channel.members;
        for (int i = 0, n = members.size(); i < n; i++) {
            Client m = members.get(i);
            if (m != except) {
                w.sendTo(m.connection);
            }
        }
    }

    /**
     * Ends the line and sends it once to every client that shares a channel with {@code client}, however many
     * channels they share, and to {@code client} itself if {@code includeSelf}.
     */
    void toPeers(MessageWriter w, Client client, boolean includeSelf) {
        w.put(Replies.CR);
        int round = state.nextRound();
        client.round = round;
        if (includeSelf) {
            w.sendTo(client.connection);
        }
        List<Channel> channels = client.channels;
        for (int i = 0, n = channels.size(); i < n; i++) {
            List<Client> members = channels.get(i).members;
            for (int j = 0, m = members.size(); j < m; j++) {
                Client peer = members.get(j);
                if (peer.round != round) {
                    peer.round = round;
                    w.sendTo(peer.connection);
                }
            }
        }
    }
}
