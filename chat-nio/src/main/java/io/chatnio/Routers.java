package io.chatnio;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The built-in routing strategies. Each returned router is stateless apart from what the registry holds, so
 * one instance may serve several reactors. Loop thread only, like every {@link Router}.
 */
public final class Routers {
    private Routers() {
    }

    /**
     * Finds the recipient of a direct message and moves the message's position past the addressing, to the
     * first byte of the body.
     */
    @FunctionalInterface
    public interface Addressing {

        /**
         * @return the recipient, or {@code null} if it is not connected (the sender then gets the router's
         *         offline notice)
         * @throws IllegalArgumentException if the addressing is malformed; the message is the error text sent
         *                                  back to the sender, whose connection stays open
         */
        Connection resolve(Connection sender, ByteBuffer message, ConnectionRegistry registry);
    }

    /** Writes one delivered message: a prefix, the body, a suffix. */
    @FunctionalInterface
    public interface Envelope {

        /** Writes the whole payload for {@code body}, which came from {@code sender}, into {@code out}. */
        void write(Connection sender, ByteBuffer body, MessageWriter out);

        /** The body as it is. */
        static Envelope bare() {
            return (sender, body, out) -> out.put(body);
        }
    }

    /**
     * Direct messages: each goes to the one connection {@code addressing} names, wrapped by {@code envelope}.
     * If the recipient is not connected the sender receives {@code offlineNotice}; if the addressing is
     * malformed, the sender receives {@code errorPrefix} followed by the reason.
     */
    public static Router direct(Addressing addressing, Envelope envelope, String offlineNotice, String errorPrefix) {
        byte[] offline = offlineNotice.getBytes(StandardCharsets.UTF_8);
        byte[] error = errorPrefix.getBytes(StandardCharsets.UTF_8);
        return (sender, message, registry) -> {
            Connection target;
            try {
                target = addressing.resolve(sender, message, registry);
            } catch (IllegalArgumentException e) {
                sender.message().put(error).putUtf8(String.valueOf(e.getMessage())).send();
                return;
            }
            if (target == null) {
                sender.message().put(offline).send();
            } else {
                MessageWriter out = target.message();
                envelope.write(sender, message, out);
                out.send();
            }
        };
    }

    /**
     * Addressing by remote address, as in the seed protocol: the message is {@code IP:PORT:BODY}, where IP is
     * a dotted IPv4 address or a bracketed IPv6 address ({@code [::1]:PORT:BODY}), and BODY is everything
     * after the second separator, colons included. IPv4 addresses are parsed and looked up without
     * allocating. Host names are not resolved: they are malformed addressing.
     *
     * <p>Malformed forms, each an {@link IllegalArgumentException} with this text: {@code empty message},
     * {@code expected IP:PORT:MESSAGE}, {@code bad address}, {@code bad port}.
     */
    public static Addressing byAddress() {
        return Routers::resolveAddress;
    }

    private static Connection resolveAddress(Connection sender, ByteBuffer m, ConnectionRegistry registry) {
        int start = m.position();
        int limit = m.limit();
        long v4 = parseIpv4AndPort(m, start, limit);
        if (v4 != 0) {
            m.position(start + (int) (v4 & 0xFFFF));
            return registry.byIpv4((int) (v4 >>> 32), (int) (v4 >>> 16) & 0xFFFF);
        }
        // Not a well-formed "a.b.c.d:port:": IPv6, or malformed, which the general parse below names.
        if (start == limit) {
            throw new IllegalArgumentException("empty message");
        }
        int hostEnd;
        int portStart;
        boolean v6 = m.get(start) == '[';
        if (v6) {
            hostEnd = indexOf(m, start + 1, (byte) ']');
            if (hostEnd < 0 || hostEnd + 1 >= limit || m.get(hostEnd + 1) != ':') {
                throw new IllegalArgumentException("expected IP:PORT:MESSAGE");
            }
            portStart = hostEnd + 2;
        } else {
            hostEnd = indexOf(m, start, (byte) ':');
            if (hostEnd < 0) {
                throw new IllegalArgumentException("expected IP:PORT:MESSAGE");
            }
            portStart = hostEnd + 1;
        }
        int portEnd = indexOf(m, portStart, (byte) ':');
        if (portEnd < 0) {
            throw new IllegalArgumentException("expected IP:PORT:MESSAGE");
        }
        int port = parsePort(m, portStart, portEnd);
        Connection target;
        if (v6) {
            target = registry.byAddress(new java.net.InetSocketAddress(parseIpv6(m, start + 1, hostEnd), port));
        } else {
            target = registry.byIpv4(parseIpv4(m, start, hostEnd), port);
        }
        m.position(portEnd + 1);
        return target;
    }

    /** The longest well-formed IPv4 prefix: {@code "255.255.255.255:65535:"}. */
    private static final int MAX_IPV4_PREFIX = 22;

    /**
     * The fast path of {@link #resolveAddress}: one pass over {@code "a.b.c.d:port:"} at {@code m[start, limit)},
     * each byte read once. Returns {@code (ip << 32) | (port << 16) | prefixLength}, where the prefix runs up to
     * and including the second {@code ':'}; or 0 if the bytes are anything else, well-formed or not (IPv6, a
     * missing separator, a fifth octet, an octet over 255, more than three digits, a bad port), which the
     * general parse then handles. Accepts exactly what the general parse accepts for IPv4.
     */
    private static long parseIpv4AndPort(ByteBuffer m, int start, int limit) {
        int end = Math.min(limit, start + MAX_IPV4_PREFIX);
        int ip = 0;
        int octet = 0;
        int digits = 0;
        int octets = 0;
        int i = start;
        while (true) { // the address, up to the first ':'
            if (i == end) {
                return 0;
            }
            int c = m.get(i++);
            int d = c - '0';
            if (d >= 0 && d <= 9) {
                if (++digits > 3) {
                    return 0;
                }
                octet = octet * 10 + d;
            } else if (c == '.' || c == ':') {
                if (digits == 0 || octet > 255 || (c == '.' && octets == 3)) {
                    return 0;
                }
                ip = (ip << 8) | octet;
                octets++;
                octet = 0;
                digits = 0;
                if (c == ':') {
                    break;
                }
            } else {
                return 0;
            }
        }
        if (octets != 4) {
            return 0;
        }
        int portStart = i;
        int port = 0;
        while (true) { // the port, up to the second ':'
            if (i == end) {
                return 0;
            }
            int c = m.get(i++);
            if (c == ':') {
                break;
            }
            int d = c - '0';
            if (d < 0 || d > 9) {
                return 0;
            }
            port = port * 10 + d; // at most 5 digits fit before end: no overflow
        }
        int portDigits = i - 1 - portStart;
        if (portDigits == 0 || portDigits > 5 || port < 1 || port > 65535) {
            return 0;
        }
        return ((long) ip << 32) | ((long) port << 16) | (i - start);
    }

    private static int parsePort(ByteBuffer m, int from, int to) {
        if (to == from || to - from > 5) {
            throw new IllegalArgumentException("bad port");
        }
        int port = 0;
        for (int i = from; i < to; i++) {
            int d = m.get(i) - '0';
            if (d < 0 || d > 9) {
                throw new IllegalArgumentException("bad port");
            }
            port = port * 10 + d;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("bad port");
        }
        return port;
    }

    private static int parseIpv4(ByteBuffer m, int from, int to) {
        int ip = 0;
        int parts = 0;
        int i = from;
        while (true) {
            int value = 0;
            int digits = 0;
            while (i < to && m.get(i) != '.') {
                int d = m.get(i) - '0';
                if (d < 0 || d > 9 || ++digits > 3) {
                    throw new IllegalArgumentException("bad address");
                }
                value = value * 10 + d;
                i++;
            }
            if (digits == 0 || value > 255) {
                throw new IllegalArgumentException("bad address");
            }
            ip = (ip << 8) | value;
            parts++;
            if (i == to) {
                break;
            }
            i++; // the '.'
        }
        if (parts != 4) {
            throw new IllegalArgumentException("bad address");
        }
        return ip;
    }

    private static java.net.InetAddress parseIpv6(ByteBuffer m, int from, int to) {
        // A hex digit or ':' first, a ':' somewhere, then only hex digits, ':' and '.' (IPv4-mapped forms): the
        // JDK parses such text as a literal and never asks a resolver, which would block the loop. Scoped
        // addresses (fe80::1%eth0) are not accepted.
        String literal = ascii(m, from, to);
        if (literal.indexOf(':') < 0 || !literal.matches("[0-9A-Fa-f:][0-9A-Fa-f:.]*")) {
            throw new IllegalArgumentException("bad address");
        }
        try {
            return java.net.InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("bad address");
        }
    }

    /**
     * Addressing by name: the message is {@code name + separator + body}, all UTF-8; the recipient is the
     * connection registered under that name ({@link ConnectionRegistry#setName}).
     *
     * @param separator any character but a lone surrogate; non-ASCII ones are matched as their UTF-8 bytes
     * @throws IllegalArgumentException if {@code separator} is a surrogate
     */
    public static Addressing byName(char separator) {
        if (Character.isSurrogate(separator)) {
            throw new IllegalArgumentException("separator is a surrogate: U+" + Integer.toHexString(separator));
        }
        byte[] sep = String.valueOf(separator).getBytes(StandardCharsets.UTF_8);
        String expected = "expected NAME" + separator + "MESSAGE";
        return (sender, message, registry) -> {
            int start = message.position();
            int at = indexOf(message, start, sep);
            if (at < 0) {
                throw new IllegalArgumentException(expected);
            }
            String name = utf8(message, start, at);
            message.position(at + sep.length);
            return registry.byName(name);
        };
    }

    /**
     * Broadcast: every open connection except the sender receives the message, wrapped by {@code envelope}.
     * Encoded once; the bytes are shared by all recipients.
     */
    public static Router broadcast(Envelope envelope) {
        return (sender, message, registry) -> {
            MessageWriter out = sender.reactor().fanout();
            envelope.write(sender, message, out);
            List<Connection> all = registry.all();
            for (int i = 0, n = all.size(); i < n; i++) {
                Connection c = all.get(i);
                if (c != sender) {
                    out.sendTo(c);
                }
            }
        };
    }

    /**
     * Rooms: {@code /join ROOM} and {@code /leave ROOM} change the sender's membership (no reply);
     * {@code #ROOM:MESSAGE} delivers MESSAGE, wrapped by {@code envelope}, to every member of ROOM except the
     * sender, encoded once. Members leave every room when they disconnect. An empty room name, or any other
     * message, gets {@code errorPrefix} and a reason back.
     */
    public static Router rooms(Envelope envelope, String errorPrefix) {
        byte[] error = errorPrefix.getBytes(StandardCharsets.UTF_8);
        return (sender, message, registry) -> {
            int start = message.position();
            int limit = message.limit();
            if (limit > start && message.get(start) == '#') {
                int sep = indexOf(message, start + 1, (byte) ':');
                if (sep < 0) {
                    sender.message().put(error).putUtf8("expected #ROOM:MESSAGE").send();
                    return;
                }
                if (sep == start + 1) {
                    sender.message().put(error).putUtf8("expected a room name").send();
                    return;
                }
                String room = utf8(message, start + 1, sep);
                message.position(sep + 1);
                List<Connection> members = registry.members(room);
                if (members.isEmpty()) {
                    return;
                }
                MessageWriter out = sender.reactor().fanout();
                envelope.write(sender, message, out);
                for (int i = 0, n = members.size(); i < n; i++) {
                    Connection c = members.get(i);
                    if (c != sender) {
                        out.sendTo(c);
                    }
                }
            } else if (startsWith(message, "/join ") || startsWith(message, "/leave ")) {
                boolean join = message.get(start + 1) == 'j';
                String room = utf8(message, start + (join ? 6 : 7), limit).trim();
                if (room.isEmpty()) {
                    sender.message().put(error).putUtf8("expected a room name").send();
                } else if (join) {
                    registry.join(sender, room);
                } else {
                    registry.leave(sender, room);
                }
            } else {
                sender.message().put(error).putUtf8("expected /join ROOM, /leave ROOM or #ROOM:MESSAGE").send();
            }
        };
    }

    /** The first index of {@code seq} in {@code b[from, limit)}, or -1. */
    private static int indexOf(ByteBuffer b, int from, byte[] seq) {
        if (seq.length == 1) {
            return indexOf(b, from, seq[0]);
        }
        outer:
        for (int i = from, last = b.limit() - seq.length; i <= last; i++) {
            for (int k = 0; k < seq.length; k++) {
                if (b.get(i + k) != seq[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static int indexOf(ByteBuffer b, int from, byte value) {
        for (int i = from, n = b.limit(); i < n; i++) {
            if (b.get(i) == value) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(ByteBuffer b, String prefix) {
        int start = b.position();
        if (b.limit() - start < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (b.get(start + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String ascii(ByteBuffer b, int from, int to) {
        byte[] bytes = new byte[to - from];
        b.get(from, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String utf8(ByteBuffer b, int from, int to) {
        byte[] bytes = new byte[to - from];
        b.get(from, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
