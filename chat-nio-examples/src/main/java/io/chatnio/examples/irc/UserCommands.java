package io.chatnio.examples.irc;

/**
 * Commands about users: {@code WHO}, {@code WHOIS}, {@code AWAY} and {@code MODE} on a nick.
 *
 * <ul>
 *   <li>{@code WHO <mask>}: a channel lists its members; a nick, that client; any other mask ({@code *} and
 *       {@code ?} wildcards, matched against nicks by the casemapping; {@code 0} and no mask mean {@code *})
 *       lists the clients that match and are not {@code +i}, or share a channel with the asker. Flags: {@code H}
 *       here or {@code G} away, then {@code @} for a channel operator. No WHOX.</li>
 *   <li>{@code WHOIS [server] <nick>}: 311, 319 (channels, if any), 312, 301 (if away), 318; or 401 and 318.</li>
 *   <li>{@code MODE <nick> [+i|-i]}: a client sees and sets its own modes only; {@code i} is the one user mode.</li>
 * </ul>
 *
 * <p><b>Threading.</b> Loop thread only: called by {@link IrcHandler} on the reactor's loop.
 */
final class UserCommands {
    private final IrcState state;
    private final Replies replies;

    UserCommands(IrcState state, Replies replies) {
        this.state = state;
        this.replies = replies;
    }

    void who(Client c, IrcLine line) {
        String mask = line.has(0) ? line.param(0) : "*";
        if (mask.startsWith("#")) {
            Channel channel = state.channel(mask);
            if (channel != null) {
                for (Client m : channel.members) {
                    replies.who(c, channel.name, m, flags(m, channel));
                }
            }
        } else if (mask.indexOf('*') < 0 && mask.indexOf('?') < 0 && !mask.equals("0")) {
            Client target = state.client(mask);
            if (target != null && target.registered) {
                Channel shown = target.channels.isEmpty() ? null : target.channels.get(0);
                replies.who(c, shown == null ? "*" : shown.name, target, flags(target, shown));
            }
        } else {
            String pattern = Key.of(mask.equals("0") ? "*" : mask).toString(); // folded like the nicks
            for (Client other : state.clients()) {
                if (other.registered && visible(c, other) && matches(pattern, other.nickKey.toString())) {
                    replies.who(c, "*", other, flags(other, null));
                }
            }
        }
        replies.endOfWho(c, mask);
    }

    void whois(Client c, IrcLine line) {
        if (!line.has(0)) {
            replies.noNicknameGiven(c);
            return;
        }
        String mask = line.param(line.size() - 1); // WHOIS [<server>] <nick>
        Client target = state.client(mask);
        if (target == null || !target.registered) {
            replies.noSuchNick(c, mask);
        } else {
            replies.whoisUser(c, target);
            if (!target.channels.isEmpty()) {
                StringBuilder channels = new StringBuilder();
                for (Channel ch : target.channels) {
                    channels.append(channels.length() == 0 ? "" : " ").append(ch.prefixOf(target)).append(ch.name);
                }
                replies.whoisChannels(c, target, channels.toString());
            }
            replies.whoisServer(c, target);
            if (target.away != null) {
                replies.away(c, target);
            }
        }
        replies.endOfWhois(c, mask);
    }

    void away(Client c, IrcLine line) {
        if (line.has(0)) {
            c.away = Utf8.truncate(line.paramBytes(0), Names.AWAYLEN);
            replies.nowAway(c);
        } else {
            c.away = null;
            replies.unaway(c);
        }
    }

    /** MODE whose target is not a channel. */
    void mode(Client c, IrcLine line) {
        Client target = state.client(line.buffer(), line.start(0), line.end(0));
        if (target == null || !target.registered) {
            replies.noSuchNick(c, line.param(0));
            return;
        }
        if (target != c) {
            replies.usersDontMatch(c);
            return;
        }
        if (line.size() == 1) {
            replies.userModes(c);
            return;
        }
        String modes = line.param(1);
        boolean on = true;
        boolean unknown = false;
        boolean before = c.invisible;
        for (int i = 0; i < modes.length(); i++) {
            char m = modes.charAt(i);
            if (m == '+' || m == '-') {
                on = m == '+';
            } else if (m == 'i') {
                c.invisible = on;
            } else {
                unknown = true;
            }
        }
        if (c.invisible != before) { // ":nick!user@host MODE nick :+i" to the client only
            io.chatnio.MessageWriter w = c.connection.message();
            w.put(c.source).putUtf8("MODE ").putUtf8(c.nick).putUtf8(c.invisible ? " :+i" : " :-i");
            Replies.end(w);
        }
        if (unknown) {
            replies.unknownUserModeFlag(c);
        }
    }

    /** Whether {@code asker} may see {@code other} in a WHO by mask: not {@code +i}, itself, or a peer. */
    private static boolean visible(Client asker, Client other) {
        if (!other.invisible || other == asker) {
            return true;
        }
        for (Channel ch : other.channels) {
            if (asker.isIn(ch)) {
                return true;
            }
        }
        return false;
    }

    /** WHO flags: H or G, then @ if an operator of {@code channel}. */
    private static String flags(Client c, Channel channel) {
        return (c.away == null ? "H" : "G") + (channel == null ? "" : channel.prefixOf(c));
    }

    /** Glob match with {@code *} (any run) and {@code ?} (one character); both already folded. */
    static boolean matches(String pattern, String s) {
        int p = 0;
        int i = 0;
        int star = -1;
        int mark = 0;
        while (i < s.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == s.charAt(i))) {
                p++;
                i++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = i;
            } else if (star >= 0) {
                p = star + 1;
                i = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
