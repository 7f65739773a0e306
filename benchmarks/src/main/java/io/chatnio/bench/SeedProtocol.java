package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Constants and encodings of the seed protocol, shared by every server and the load driver.
 *
 * <p>The protocol, line framed in UTF-8 ({@code \n}, with {@code \r\n} tolerated):
 * <ul>
 *   <li>{@code IP:PORT:MESSAGE} delivers {@code <senderPort> 账户对您说:<MESSAGE> \n} to the client whose
 *       remote address, as the server sees it, is {@code IP:PORT}; MESSAGE is everything after the second
 *       ':' (colons included). IPv6 is written {@code [::1]:PORT:MESSAGE}. If no such client is connected
 *       the sender gets {@code 对方已下线!\n}.</li>
 *   <li>{@code /join ROOM} makes the sender a member of ROOM (no reply; joining twice is a no-op).</li>
 *   <li>{@code #ROOM:MESSAGE} delivers the same line as a direct message to every member of ROOM except
 *       the sender (nothing happens for an unknown or empty room).</li>
 *   <li>Anything malformed gets one {@code ERR <reason>\n} line; the connection stays open.</li>
 *   <li>A line longer than {@link #MAX_LINE_LENGTH} bytes (terminator excluded) closes the connection.</li>
 * </ul>
 * Addresses are IP literals only (no name resolution). An IPv4-mapped IPv6 literal names the IPv4 client.
 *
 * <p>Threading: stateless, all members are immutable and safe from any thread.
 */
public final class SeedProtocol {

    /** Maximum line length in bytes, line terminator excluded. */
    public static final int MAX_LINE_LENGTH = 64 * 1024;

    /** The bytes between the sender port and the message in a delivered line. */
    public static final String DELIVERY_INFIX = " 账户对您说:";

    /** The bytes after the message in a delivered line. */
    public static final String DELIVERY_SUFFIX = " \n";

    /** What the sender receives when the target is not connected. */
    public static final String OFFLINE_LINE = "对方已下线!\n";

    static final byte[] OFFLINE_BYTES = OFFLINE_LINE.getBytes(UTF_8);
    static final byte[] SUFFIX_BYTES = DELIVERY_SUFFIX.getBytes(UTF_8);
    static final byte[] JOIN_COMMAND = "/join ".getBytes(UTF_8);

    /** The reasons of {@code ERR} lines; each carries its encoded line. */
    public enum Error {
        EMPTY_LINE("empty line"),
        MISSING_PORT("missing port"),
        MISSING_SEPARATOR("expected IP:PORT:MESSAGE"),
        BAD_PORT("bad port"),
        BAD_ADDRESS("bad address"),
        BAD_ROOM("bad room"),
        UNKNOWN_COMMAND("unknown command");

        private final byte[] line;

        Error(String reason) {
            this.line = ("ERR " + reason + "\n").getBytes(UTF_8);
        }

        /** The encoded error line, {@code ERR <reason>\n}; do not modify. */
        byte[] line() {
            return line;
        }
    }

    private SeedProtocol() {
    }

    /** {@code <senderPort> 账户对您说:}, the per-sender prefix of every line it causes to be delivered. */
    public static byte[] deliveryPrefix(int senderPort) {
        return (senderPort + DELIVERY_INFIX).getBytes(UTF_8);
    }

    /** The complete delivered line for a message from a sender at {@code senderPort}. */
    public static byte[] deliveredLine(int senderPort, byte[] message) {
        byte[] prefix = deliveryPrefix(senderPort);
        byte[] line = new byte[prefix.length + message.length + SUFFIX_BYTES.length];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        System.arraycopy(message, 0, line, prefix.length, message.length);
        System.arraycopy(SUFFIX_BYTES, 0, line, prefix.length + message.length, SUFFIX_BYTES.length);
        return line;
    }

    /** How a client writes {@code address} in a direct message: {@code 1.2.3.4:PORT} or {@code [v6]:PORT}. */
    public static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip instanceof Inet4Address ? ip.getHostAddress() : "[" + ip.getHostAddress() + "]";
        return host + ":" + address.getPort();
    }

    /** The primitive routing key of an IPv4 client, {@code ipv4 << 16 | port}. */
    static long ipv4Key(int ipv4, int port) {
        return (ipv4 & 0xFFFF_FFFFL) << 16 | port;
    }

    /** The routing key of {@code address} when it is IPv4, otherwise -1 (route by the address itself). */
    static long ipv4Key(InetSocketAddress address) {
        if (address.getAddress() instanceof Inet4Address v4) {
            byte[] b = v4.getAddress();
            int ip = (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
            return ipv4Key(ip, address.getPort());
        }
        return -1;
    }
}
