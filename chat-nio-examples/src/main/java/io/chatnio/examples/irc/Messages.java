package io.chatnio.examples.irc;

import io.chatnio.MessageWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code PRIVMSG} and {@code NOTICE}: {@code <target>{,<target>} :<text>}, up to {@link Names#MAXTARGETS}
 * targets, each a nick or a channel. The text is relayed as the bytes the client sent, cut (at a UTF-8
 * boundary) so that the relayed line fits in 512 bytes, and never echoed to the sender.
 *
 * <p>A channel message is written once into the reactor's fan-out writer and shared by all members but the
 * sender ({@link Relay}); on this path parsing, lookup and formatting allocate nothing. A channel with
 * {@code +n} refuses senders that are not members (404). A message to an away nick is answered with 301.
 * A NOTICE is never answered with anything, errors included: that is what distinguishes it from PRIVMSG.
 *
 * <p><b>Threading.</b> Loop thread only: called by {@link IrcHandler} on the reactor's loop.
 */
final class Messages {
    private static final byte[] PRIVMSG = "PRIVMSG ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOTICE = "NOTICE ".getBytes(StandardCharsets.US_ASCII);

    private final IrcState state;
    private final Replies replies;

    Messages(IrcState state, Replies replies) {
        this.state = state;
        this.replies = replies;
    }

    void privmsg(Client c, IrcLine line) {
        send(c, line, false);
    }

    void notice(Client c, IrcLine line) {
        send(c, line, true);
    }

    private void send(Client c, IrcLine line, boolean notice) {
        if (!line.has(0)) {
            if (!notice) {
                replies.noRecipient(c, "PRIVMSG");
            }
            return;
        }
        if (!line.has(1)) {
            if (!notice) {
                replies.noTextToSend(c);
            }
            return;
        }
        ByteBuffer b = line.buffer();
        int from = line.start(0);
        int to = line.end(0);
        int targets = 0;
        int start = from;
        for (int j = from; j <= to; j++) { // the comma-separated targets, without allocating
            if (j < to && b.get(j) != ',') {
                continue;
            }
            if (j > start) {
                if (++targets > Names.MAXTARGETS) {
                    if (!notice) {
                        replies.tooManyTargets(c, ChannelCommands.text(line, start, j));
                    }
                    return;
                }
                deliver(c, line, notice, start, j);
            }
            start = j + 1;
        }
    }

    private void deliver(Client c, IrcLine line, boolean notice, int from, int to) {
        ByteBuffer b = line.buffer();
        if (Names.looksLikeChannel(b, from, to)) {
            Channel channel = state.channel(b, from, to);
            if (channel == null) {
                if (!notice) {
                    replies.noSuchNick(c, ChannelCommands.text(line, from, to));
                }
            } else if (channel.noExternalMessages && !c.isIn(channel)) {
                if (!notice) {
                    replies.cannotSendToChannel(c, channel);
                }
            } else if (otherMembers(channel, c)) {
                MessageWriter w = Relay.from(c);
                w.put(notice ? NOTICE : PRIVMSG).put(channel.nameBytes).put((byte) ' ').put((byte) ':');
                line.putParam(1, w, Replies.MAX_CONTENT - w.length());
                Relay.toChannel(w, channel, c);
            }
            return;
        }
        Client target = state.client(b, from, to);
        if (target == null || !target.registered) {
            if (!notice) {
                replies.noSuchNick(c, ChannelCommands.text(line, from, to));
            }
            return;
        }
        MessageWriter w = target.connection.message();
        w.put(c.source).put(notice ? NOTICE : PRIVMSG).putUtf8(target.nick).put((byte) ' ').put((byte) ':');
        line.putParam(1, w, Replies.MAX_CONTENT - w.length());
        w.put(Replies.CR);
        w.send();
        if (target.away != null && !notice) {
            replies.away(c, target);
        }
    }

    /** Whether {@code channel} has a member other than {@code sender}: only then is there anything to send. */
    private static boolean otherMembers(Channel channel, Client sender) {
        List<Client> members = channel.members;
        return members.size() > 1 || (members.size() == 1 && members.get(0) != sender);
    }
}
