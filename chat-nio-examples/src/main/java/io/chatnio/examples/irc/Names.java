package io.chatnio.examples.irc;

import java.nio.ByteBuffer;

/**
 * What the server accepts as a nick, a channel name and a user name, and the limits it advertises in
 * {@code RPL_ISUPPORT} ({@link Isupport}). Stateless; any thread.
 *
 * <ul>
 *   <li>Nick (RFC 2812 section 2.3.1): a letter or one of <code>[]\`_^{|}</code>, then letters, digits, those
 *       and {@code -}; 1 to {@link #NICKLEN} bytes.</li>
 *   <li>Channel: {@code #} then 1 to {@code CHANNELLEN - 1} bytes of UTF-8 without NUL, BEL, CR, LF, space,
 *       comma or colon (RFC 2812's chanstring).</li>
 *   <li>User name (the first USER parameter): bytes 0x21 to 0x7e but {@code @} and {@code !}, which would make
 *       the {@code nick!user@host} source ambiguous; longer than {@link #USERLEN} is cut silently, as the
 *       Modern document says.</li>
 * </ul>
 */
final class Names {
    static final int NICKLEN = 30;
    static final int CHANNELLEN = 50;
    static final int USERLEN = 18;
    static final int TOPICLEN = 307;
    static final int AWAYLEN = 200;
    static final int KICKLEN = 255;
    /** Real names longer than this are cut: not an ISUPPORT token, it keeps WHO and WHOIS lines in 512 bytes. */
    static final int REALNAMELEN = 100;
    /** Most channels one client may be in ({@code CHANLIMIT=#:50}). */
    static final int CHANLIMIT = 50;
    /** Most targets of one PRIVMSG, NOTICE or KICK ({@code TARGMAX}). */
    static final int MAXTARGETS = 4;
    /** Most parameter modes ({@code +o}) in one MODE command ({@code MODES}). */
    static final int MODES = 4;

    private Names() {
    }

    /** Whether {@code b[from, to)} is a valid nick. */
    static boolean isNick(ByteBuffer b, int from, int to) {
        int n = to - from;
        if (n < 1 || n > NICKLEN) {
            return false;
        }
        if (!isLetter(b.get(from)) && !isSpecial(b.get(from))) {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            byte c = b.get(i);
            if (!isLetter(c) && !isSpecial(c) && !(c >= '0' && c <= '9') && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code b[from, to)} is a valid channel name (not whether the channel exists). */
    static boolean isChannel(ByteBuffer b, int from, int to) {
        int n = to - from;
        if (n < 2 || n > CHANNELLEN || b.get(from) != '#') {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            byte c = b.get(i);
            if (c == 0 || c == 7 || c == '\r' || c == '\n' || c == ' ' || c == ',' || c == ':') {
                return false;
            }
        }
        byte[] bytes = new byte[n];
        b.get(from, bytes);
        return Utf8.isValid(bytes);
    }

    /** Whether {@code user} may be a user name ({@link #USERLEN} is applied separately). */
    static boolean isUser(String user) {
        if (user.isEmpty()) {
            return false;
        }
        for (int i = 0; i < user.length(); i++) {
            char c = user.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '@' || c == '!') {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code b[from, to)} starts like a channel ({@code CHANTYPES=#}). */
    static boolean looksLikeChannel(ByteBuffer b, int from, int to) {
        return to > from && b.get(from) == '#';
    }

    private static boolean isLetter(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isSpecial(byte c) {
        return c == '[' || c == ']' || c == '\\' || c == '`' || c == '_' || c == '^' || c == '{' || c == '|'
                || c == '}';
    }
}
