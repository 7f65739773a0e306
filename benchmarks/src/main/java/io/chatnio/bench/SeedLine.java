package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Parses one seed protocol line in place, straight from the bytes of a {@link ByteBuf}, into this
 * reusable result. The IPv4 direct-message path (the hot one) allocates nothing; IPv6 targets and room
 * names allocate.
 *
 * <p>Threading: not thread safe; each reading thread (or event loop) owns its instance. After
 * {@link #parse} the fields describe that line until the next call.
 */
final class SeedLine {

    enum Kind { DIRECT, ROOM, JOIN, ERROR }

    Kind kind;
    /** {@link Kind#DIRECT}: {@code ipv4 << 16 | port}, or -1 when the target is {@link #ipv6Target}. */
    long ipv4Key;
    /** {@link Kind#DIRECT} to an IPv6 client, else null. */
    InetSocketAddress ipv6Target;
    /** {@link Kind#ROOM} and {@link Kind#JOIN}: the room name. */
    String room;
    /** {@link Kind#DIRECT} and {@link Kind#ROOM}: where MESSAGE starts in the buffer. */
    int messageIndex;
    /** {@link Kind#DIRECT} and {@link Kind#ROOM}: MESSAGE length in bytes. */
    int messageLength;
    /** {@link Kind#ERROR}: why. */
    SeedProtocol.Error error;

    /**
     * Parses the line in {@code buf[start, end)}, {@code end} being the index of its {@code '\n'}; a
     * trailing {@code '\r'} is dropped. Does not move the buffer's indices.
     */
    Kind parse(ByteBuf buf, int start, int end) {
        ipv6Target = null;
        room = null;
        if (end > start && buf.getByte(end - 1) == '\r') {
            end--;
        }
        if (start == end) {
            return error(SeedProtocol.Error.EMPTY_LINE);
        }
        byte first = buf.getByte(start);
        if (first == '#') {
            return parseRoomMessage(buf, start + 1, end);
        }
        if (first == '/') {
            return parseCommand(buf, start, end);
        }
        int portStart;
        if (first == '[') {
            int close = buf.indexOf(start + 1, end, (byte) ']');
            if (close < 0) {
                return error(SeedProtocol.Error.BAD_ADDRESS);
            }
            if (close + 1 == end || buf.getByte(close + 1) != ':') {
                return error(SeedProtocol.Error.MISSING_PORT);
            }
            portStart = close + 2;
        } else {
            int colon = buf.indexOf(start, end, (byte) ':');
            if (colon < 0) {
                return error(SeedProtocol.Error.MISSING_PORT);
            }
            portStart = colon + 1;
        }
        int portEnd = buf.indexOf(portStart, end, (byte) ':');
        if (portEnd < 0) {
            return error(SeedProtocol.Error.MISSING_SEPARATOR);
        }
        if (first == '[') {
            InetAddress ip = parseIpv6(buf, start + 1, portStart - 2);
            if (ip == null) {
                return error(SeedProtocol.Error.BAD_ADDRESS);
            }
            int port = parsePort(buf, portStart, portEnd);
            if (port < 0) {
                return error(SeedProtocol.Error.BAD_PORT);
            }
            InetSocketAddress target = new InetSocketAddress(ip, port);
            ipv4Key = SeedProtocol.ipv4Key(target); // an IPv4-mapped literal routes like IPv4
            ipv6Target = ipv4Key < 0 ? target : null;
        } else {
            long ip = parseIpv4(buf, start, portStart - 1);
            if (ip < 0) {
                return error(SeedProtocol.Error.BAD_ADDRESS);
            }
            int port = parsePort(buf, portStart, portEnd);
            if (port < 0) {
                return error(SeedProtocol.Error.BAD_PORT);
            }
            ipv4Key = SeedProtocol.ipv4Key((int) ip, port);
        }
        messageIndex = portEnd + 1;
        messageLength = end - messageIndex;
        return kind = Kind.DIRECT;
    }

    /**
     * Whether the line starting at {@code start} is over {@link SeedProtocol#MAX_LINE_LENGTH}: {@code lf}
     * is the index of its {@code '\n'}, or -1 while incomplete with {@code end} the bytes seen so far
     * (then one more byte is allowed, for a {@code '\r'} whose {@code '\n'} has not arrived yet).
     */
    static boolean tooLong(ByteBuf buf, int start, int lf, int end) {
        if (lf < 0) {
            return end - start > SeedProtocol.MAX_LINE_LENGTH + 1;
        }
        int length = lf - start;
        if (length > 0 && buf.getByte(lf - 1) == '\r') {
            length--;
        }
        return length > SeedProtocol.MAX_LINE_LENGTH;
    }

    private Kind parseRoomMessage(ByteBuf buf, int nameStart, int end) {
        int colon = buf.indexOf(nameStart, end, (byte) ':');
        if (colon < 0) {
            return error(SeedProtocol.Error.MISSING_SEPARATOR);
        }
        if (colon == nameStart) {
            return error(SeedProtocol.Error.BAD_ROOM);
        }
        room = buf.toString(nameStart, colon - nameStart, UTF_8);
        messageIndex = colon + 1;
        messageLength = end - messageIndex;
        return kind = Kind.ROOM;
    }

    private Kind parseCommand(ByteBuf buf, int start, int end) {
        byte[] join = SeedProtocol.JOIN_COMMAND;
        if (end - start < join.length) {
            return error(SeedProtocol.Error.UNKNOWN_COMMAND);
        }
        for (int i = 0; i < join.length; i++) {
            if (buf.getByte(start + i) != join[i]) {
                return error(SeedProtocol.Error.UNKNOWN_COMMAND);
            }
        }
        int nameStart = start + join.length;
        if (nameStart == end || buf.indexOf(nameStart, end, (byte) ':') >= 0) {
            return error(SeedProtocol.Error.BAD_ROOM);
        }
        room = buf.toString(nameStart, end - nameStart, UTF_8);
        return kind = Kind.JOIN;
    }

    private Kind error(SeedProtocol.Error reason) {
        error = reason;
        return kind = Kind.ERROR;
    }

    /** Dotted quad in {@code [start, end)} as an unsigned int, or -1. */
    private static long parseIpv4(ByteBuf buf, int start, int end) {
        long address = 0;
        int i = start;
        for (int octet = 0; octet < 4; octet++) {
            if (octet > 0) {
                if (i == end || buf.getByte(i) != '.') {
                    return -1;
                }
                i++;
            }
            int value = 0;
            int digitsEnd = Math.min(end, i + 3);
            int digitsStart = i;
            for (; i < digitsEnd; i++) {
                int d = buf.getByte(i) - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                value = value * 10 + d;
            }
            if (i == digitsStart || value > 255) {
                return -1;
            }
            address = address << 8 | value;
        }
        return i == end ? address : -1;
    }

    /** Decimal port 1..65535 in {@code [start, end)}, or -1. */
    private static int parsePort(ByteBuf buf, int start, int end) {
        if (end <= start || end - start > 5) {
            return -1;
        }
        int port = 0;
        for (int i = start; i < end; i++) {
            int d = buf.getByte(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            port = port * 10 + d;
        }
        return port >= 1 && port <= 0xFFFF ? port : -1;
    }

    /**
     * An IPv6 literal (without brackets) in {@code [start, end)}, or null. The text is checked to be a
     * literal (hex digits, ':' and '.', at least one ':') so that {@link InetAddress#getByName} never
     * resolves a name.
     */
    private static InetAddress parseIpv6(ByteBuf buf, int start, int end) {
        if (end <= start || end - start > 45 || buf.indexOf(start, end, (byte) ':') < 0) {
            return null;
        }
        for (int i = start; i < end; i++) {
            byte b = buf.getByte(i);
            boolean ok = b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' || b == ':' || b == '.';
            if (!ok || i == start && b == '.') {
                return null;
            }
        }
        try {
            return InetAddress.getByName(buf.toString(start, end - start, US_ASCII));
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
