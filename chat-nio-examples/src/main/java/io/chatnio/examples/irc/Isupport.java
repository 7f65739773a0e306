package io.chatnio.examples.irc;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code RPL_ISUPPORT} (005) tokens: the limits and features the server enforces, as the Modern document
 * defines them. At most 13 tokens per line. Stateless; any thread.
 */
final class Isupport {
    private static final int TOKENS_PER_LINE = 13;

    private Isupport() {
    }

    /** The tokens, in lines of at most 13, for a server on {@code network}. */
    static List<List<String>> lines(String network) {
        List<String> all = List.of(
                "AWAYLEN=" + Names.AWAYLEN,
                "CASEMAPPING=ascii",
                "CHANLIMIT=#:" + Names.CHANLIMIT,
                "CHANMODES=,,,nt",
                "CHANNELLEN=" + Names.CHANNELLEN,
                "CHANTYPES=#",
                "KICKLEN=" + Names.KICKLEN,
                "MODES=" + Names.MODES,
                "NETWORK=" + escape(network),
                "NICKLEN=" + Names.NICKLEN,
                "PREFIX=(o)@",
                "TARGMAX=JOIN:,KICK:" + Names.MAXTARGETS + ",NAMES:,NOTICE:" + Names.MAXTARGETS + ",PART:,PRIVMSG:"
                        + Names.MAXTARGETS,
                "TOPICLEN=" + Names.TOPICLEN,
                "USERLEN=" + Names.USERLEN);
        List<List<String>> lines = new ArrayList<>();
        for (int i = 0; i < all.size(); i += TOKENS_PER_LINE) {
            lines.add(all.subList(i, Math.min(all.size(), i + TOKENS_PER_LINE)));
        }
        return lines;
    }

    /** A token value with space, backslash and '=' escaped as {@code \x20}, {@code \x5C}, {@code \x3D}. */
    static String escape(String value) {
        return value.replace("\\", "\\x5C").replace(" ", "\\x20").replace("=", "\\x3D");
    }
}
