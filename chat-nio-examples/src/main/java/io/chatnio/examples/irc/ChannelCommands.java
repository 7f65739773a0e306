package io.chatnio.examples.irc;

import io.chatnio.MessageWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The channel commands: {@code JOIN}, {@code PART}, {@code TOPIC}, {@code NAMES}, {@code LIST}, {@code KICK} and
 * {@code MODE} on a channel. Changes to a channel are told to all its members (the client who made them
 * included) with one shared fan-out line each ({@link Relay}); answers go to the asking client only.
 *
 * <ul>
 *   <li>JOIN: {@code JOIN #a,#b [keys]} joins each (keys are ignored: there is no {@code +k}); {@code JOIN 0}
 *       parts every channel. A new channel gets modes {@code +nt} and its creator {@code +o}. The joiner gets,
 *       in this order, the JOIN, the topic (332, 333) if one is set, and the names (353..., 366).</li>
 *   <li>MODE on a channel: {@code +n}, {@code +t} (no parameter) and {@code +o nick}, by an operator; at most
 *       {@link Names#MODES} {@code o} changes per command. {@code MODE #c b} lists the ban list, always empty.</li>
 *   <li>KICK: by an operator, up to {@link Names#MAXTARGETS} nicks; the comment defaults to the kicker's nick.</li>
 * </ul>
 *
 * <p><b>Threading.</b> Loop thread only: called by {@link IrcHandler} on the reactor's loop.
 */
final class ChannelCommands {
    private final IrcState state;
    private final Replies replies;
    private final Clock clock;

    ChannelCommands(IrcState state, Replies replies, Clock clock) {
        this.state = state;
        this.replies = replies;
        this.clock = clock;
    }

    private long now() {
        return clock.millis() / 1000;
    }

    void join(Client c, IrcLine line) {
        if (!line.has(0)) {
            replies.needMoreParams(c, "JOIN");
            return;
        }
        if (line.param(0).equals("0")) {
            for (int i = c.channels.size() - 1; i >= 0; i--) {
                part(c, c.channels.get(i), null, -1, -1);
            }
            return;
        }
        int[] names = split(line, 0);
        for (int k = 0; k < names.length; k += 2) {
            int from = names[k];
            int to = names[k + 1];
            if (!Names.isChannel(line.buffer(), from, to)) {
                replies.noSuchChannel(c, text(line, from, to));
                continue;
            }
            Channel existing = state.channel(line.buffer(), from, to);
            if (existing != null && c.isIn(existing)) {
                continue; // already in: nothing to do
            }
            if (c.channels.size() >= Names.CHANLIMIT) {
                replies.tooManyChannels(c, text(line, from, to));
                continue;
            }
            Channel channel = state.join(c, text(line, from, to), now());
            MessageWriter w = Relay.from(c);
            w.putUtf8("JOIN ").put(channel.nameBytes);
            Relay.toChannel(w, channel, null);
            if (channel.topic != null) {
                replies.topic(c, channel);
            }
            names(c, channel);
        }
    }

    void part(Client c, IrcLine line) {
        if (!line.has(0)) {
            replies.needMoreParams(c, "PART");
            return;
        }
        int[] names = split(line, 0);
        for (int k = 0; k < names.length; k += 2) {
            Channel channel = state.channel(line.buffer(), names[k], names[k + 1]);
            if (channel == null) {
                replies.noSuchChannel(c, text(line, names[k], names[k + 1]));
            } else if (!c.isIn(channel)) {
                replies.notOnChannel(c, channel);
            } else if (line.size() > 1) {
                part(c, channel, line, line.start(1), line.end(1));
            } else {
                part(c, channel, null, -1, -1);
            }
        }
    }

    /** Tells the members {@code PART <channel> [:<reason>]}, then removes {@code c}. */
    private void part(Client c, Channel channel, IrcLine line, int reasonFrom, int reasonTo) {
        MessageWriter w = Relay.from(c);
        w.putUtf8("PART ").put(channel.nameBytes);
        if (line != null) {
            w.put((byte) ' ').put((byte) ':');
            line.put(reasonFrom, reasonTo, w, Replies.MAX_CONTENT - w.length());
        }
        Relay.toChannel(w, channel, null);
        state.part(c, channel);
    }

    void topic(Client c, IrcLine line) {
        if (!line.has(0)) {
            replies.needMoreParams(c, "TOPIC");
            return;
        }
        Channel channel = state.channel(line.buffer(), line.start(0), line.end(0));
        if (channel == null) {
            replies.noSuchChannel(c, line.param(0));
        } else if (!c.isIn(channel)) {
            replies.notOnChannel(c, channel);
        } else if (line.size() == 1) {
            replies.topic(c, channel);
        } else if (channel.topicProtected && !channel.isOperator(c)) {
            replies.chanOpPrivsNeeded(c, channel);
        } else {
            byte[] topic = Utf8.truncate(line.paramBytes(1), Names.TOPICLEN);
            channel.topic = topic.length == 0 ? null : topic;
            channel.topicSetBy = c.nick;
            channel.topicSetAt = now();
            MessageWriter w = Relay.from(c);
            w.putUtf8("TOPIC ").put(channel.nameBytes).put((byte) ' ').put((byte) ':').put(topic);
            Relay.toChannel(w, channel, null);
        }
    }

    void names(Client c, IrcLine line) {
        if (!line.has(0)) { // RFC 2812: every channel, then the clients in none under "*"
            for (Channel channel : state.channels()) {
                replies.names(c, channel.name, channel.members, channel);
            }
            List<Client> alone = new ArrayList<>();
            for (Client other : state.clients()) {
                if (other.registered && other.channels.isEmpty() && (!other.invisible || other == c)) {
                    alone.add(other);
                }
            }
            replies.names(c, "*", alone, null);
            replies.endOfNames(c, "*");
            return;
        }
        int[] names = split(line, 0);
        for (int k = 0; k < names.length; k += 2) {
            Channel channel = state.channel(line.buffer(), names[k], names[k + 1]);
            if (channel == null) {
                replies.endOfNames(c, text(line, names[k], names[k + 1]));
            } else {
                names(c, channel);
            }
        }
    }

    private void names(Client c, Channel channel) {
        replies.names(c, channel.name, channel.members, channel);
        replies.endOfNames(c, channel.name);
    }

    void list(Client c, IrcLine line) {
        replies.listStart(c);
        if (!line.has(0)) {
            for (Channel channel : state.channels()) {
                replies.list(c, channel);
            }
        } else {
            int[] names = split(line, 0);
            for (int k = 0; k < names.length; k += 2) {
                Channel channel = state.channel(line.buffer(), names[k], names[k + 1]);
                if (channel != null) {
                    replies.list(c, channel);
                }
            }
        }
        replies.listEnd(c);
    }

    void kick(Client c, IrcLine line) {
        if (line.size() < 2 || !line.has(0) || !line.has(1)) {
            replies.needMoreParams(c, "KICK");
            return;
        }
        Channel channel = state.channel(line.buffer(), line.start(0), line.end(0));
        if (channel == null) {
            replies.noSuchChannel(c, line.param(0));
            return;
        }
        if (!c.isIn(channel)) {
            replies.notOnChannel(c, channel);
            return;
        }
        if (!channel.isOperator(c)) {
            replies.chanOpPrivsNeeded(c, channel);
            return;
        }
        byte[] comment = line.size() > 2 && line.has(2)
                ? Utf8.truncate(line.paramBytes(2), Names.KICKLEN)
                : c.nick.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[] targets = split(line, 1);
        for (int k = 0; k < targets.length && k < 2 * Names.MAXTARGETS; k += 2) { // more are dropped silently
            Client target = state.client(line.buffer(), targets[k], targets[k + 1]);
            if (target == null || !target.registered) {
                replies.noSuchNick(c, text(line, targets[k], targets[k + 1]));
            } else if (!target.isIn(channel)) {
                replies.userNotInChannel(c, target.nick, channel);
            } else {
                MessageWriter w = Relay.from(c);
                w.putUtf8("KICK ").put(channel.nameBytes).put((byte) ' ').putUtf8(target.nick).put((byte) ' ')
                        .put((byte) ':');
                w.put(comment, 0, Utf8.cut(comment, Replies.MAX_CONTENT - w.length()));
                Relay.toChannel(w, channel, null);
                state.part(target, channel);
            }
        }
    }

    /** MODE whose target is a channel ({@code line.param(0)} starts with '#'). */
    void mode(Client c, IrcLine line) {
        Channel channel = state.channel(line.buffer(), line.start(0), line.end(0));
        if (channel == null) {
            replies.noSuchChannel(c, line.param(0));
            return;
        }
        if (line.size() == 1) {
            replies.channelModes(c, channel);
            return;
        }
        String modes = line.param(1);
        if (line.size() == 2 && (modes.equals("b") || modes.equals("+b"))) {
            replies.endOfBans(c, channel);
            return;
        }
        if (!channel.isOperator(c)) {
            replies.chanOpPrivsNeeded(c, channel);
            return;
        }
        StringBuilder applied = new StringBuilder();
        List<String> args = new ArrayList<>();
        char sign = '+';
        char appliedSign = 0;
        int arg = 2;
        int parameterModes = 0;
        for (int i = 0; i < modes.length(); i++) {
            char m = modes.charAt(i);
            boolean on = sign == '+';
            boolean changed = false;
            String changedArg = null;
            switch (m) {
                case '+', '-' -> sign = m;
                case 'n' -> {
                    changed = channel.noExternalMessages != on;
                    channel.noExternalMessages = on;
                }
                case 't' -> {
                    changed = channel.topicProtected != on;
                    channel.topicProtected = on;
                }
                case 'o' -> {
                    if (arg >= line.size()) {
                        break; // a mode that needs a parameter and has none is ignored
                    }
                    int a = arg++;
                    if (++parameterModes > Names.MODES) {
                        break;
                    }
                    Client target = state.client(line.buffer(), line.start(a), line.end(a));
                    if (target == null || !target.registered) {
                        replies.noSuchNick(c, line.param(a));
                    } else if (!target.isIn(channel)) {
                        replies.userNotInChannel(c, target.nick, channel);
                    } else {
                        changed = on ? channel.operators.add(target) : channel.operators.remove(target);
                        changedArg = target.nick;
                    }
                }
                case 'b' -> {
                    if (arg < line.size()) {
                        arg++;
                        replies.unknownMode(c, m); // bans cannot be set here
                    }
                }
                default -> replies.unknownMode(c, m);
            }
            if (changed) {
                if (appliedSign != sign) {
                    applied.append(sign);
                    appliedSign = sign;
                }
                applied.append(m);
                if (changedArg != null) {
                    args.add(changedArg);
                }
            }
        }
        if (applied.length() > 0) {
            MessageWriter w = Relay.from(c);
            w.putUtf8("MODE ").put(channel.nameBytes).put((byte) ' ').putUtf8(applied);
            for (String a : args) {
                w.put((byte) ' ').putUtf8(a);
            }
            Relay.toChannel(w, channel, null);
        }
    }

    /** The comma-separated items of parameter {@code i} as {@code [from0, to0, from1, to1, ...]}, empty ones skipped. */
    static int[] split(IrcLine line, int i) {
        int from = line.start(i);
        int to = line.end(i);
        int[] out = new int[8];
        int n = 0;
        int start = from;
        for (int j = from; j <= to; j++) {
            if (j == to || line.buffer().get(j) == ',') {
                if (j > start) {
                    if (n + 2 > out.length) {
                        out = java.util.Arrays.copyOf(out, out.length * 2);
                    }
                    out[n++] = start;
                    out[n++] = j;
                }
                start = j + 1;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** The bytes {@code [from, to)} of the line as text. */
    static String text(IrcLine line, int from, int to) {
        byte[] b = new byte[to - from];
        line.buffer().get(from, b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }
}
