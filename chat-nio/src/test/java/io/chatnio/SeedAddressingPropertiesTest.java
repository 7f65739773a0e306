package io.chatnio;

import static io.chatnio.CodecPropertiesTest.Cases.anyByte;
import static io.chatnio.CodecPropertiesTest.Cases.forAll;
import static io.chatnio.CodecPropertiesTest.Cases.intBetween;
import static io.chatnio.CodecPropertiesTest.Cases.listOf;
import static io.chatnio.CodecPropertiesTest.Cases.pick;
import static io.chatnio.CodecPropertiesTest.Cases.weighted;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link Routers#byAddress()}, the seed protocol's {@code IP:PORT:BODY} addressing, on random input.
 *
 * <p>Each property runs a fixed number of random cases drawn from a {@link Random} with a fixed seed, a
 * constant per test; {@code -Dchatnio.test.seed=N} replaces it (see {@link CodecPropertiesTest.Cases}). A
 * failure names the seed, the case index and the generated input.
 */
class SeedAddressingPropertiesTest {
    private static final Routers.Addressing ADDRESSING = Routers.byAddress();
    private static final Set<String> DOCUMENTED_ERRORS =
            Set.of("empty message", "expected IP:PORT:MESSAGE", "bad address", "bad port");
    private static final Connection SENDER = fakeConnection("sender");

    // ---------------------------------------------------------------------------------------------------
    // Fakes

    /** A connection that has an identity and a name and supports nothing else. */
    static Connection fakeConnection(String label) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "toString":
                            return label;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    /** Connections by remote address; records the lookups. Only byIpv4 and byAddress are supported. */
    static final class FakeRegistry implements InvocationHandler {
        final Map<InetSocketAddress, Connection> connections = new HashMap<>();
        final List<String> lookups = new ArrayList<>();
        final ConnectionRegistry registry = (ConnectionRegistry) Proxy.newProxyInstance(
                ConnectionRegistry.class.getClassLoader(), new Class<?>[] {ConnectionRegistry.class}, this);

        Connection add(InetSocketAddress address, String label) {
            Connection c = fakeConnection(label);
            connections.put(address, c);
            return c;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws UnknownHostException {
            switch (method.getName()) {
                case "byIpv4": {
                    int ip = (Integer) args[0];
                    int port = (Integer) args[1];
                    lookups.add("byIpv4 " + Integer.toHexString(ip) + " " + port);
                    return connections.get(new InetSocketAddress(InetAddress.getByAddress(ipv4Bytes(ip)), port));
                }
                case "byAddress":
                    lookups.add("byAddress " + args[0]);
                    return connections.get((InetSocketAddress) args[0]);
                case "toString":
                    return "FakeRegistry" + connections;
                default:
                    throw new UnsupportedOperationException(method.getName());
            }
        }
    }

    static byte[] ipv4Bytes(int ip) {
        return ByteBuffer.allocate(4).putInt(ip).array();
    }

    // ---------------------------------------------------------------------------------------------------
    // Valid IPv4 addressing

    record Ipv4Case(int a, int b, int c, int d, int port, String body, byte[] before, byte[] after,
            boolean registered, boolean readOnly) {
        @Override
        public String toString() {
            return "Ipv4Case[" + a + "." + b + "." + c + "." + d + ", port=" + port + ", body=" + quote(body)
                    + ", before=" + quote(before) + ", after=" + quote(after) + ", registered=" + registered
                    + ", readOnly=" + readOnly + "]";
        }
    }

    @Test
    void ipv4AddressingFindsTheTargetAndLeavesPositionAtTheBody() {
        forAll(0x1F4L, 1000,
                r -> new Ipv4Case(intBetween(r, 0, 255), intBetween(r, 0, 255), intBetween(r, 0, 255),
                        intBetween(r, 0, 255), intBetween(r, 1, 65535), body(r), padding(r), padding(r),
                        r.nextBoolean(), r.nextBoolean()),
                SeedAddressingPropertiesTest::ipv4AddressingFindsTheTargetAndLeavesPositionAtTheBody);
    }

    private static void ipv4AddressingFindsTheTargetAndLeavesPositionAtTheBody(Ipv4Case t)
            throws UnknownHostException {
        int a = t.a();
        int b = t.b();
        int c = t.c();
        int d = t.d();
        int port = t.port();
        byte[] before = t.before();
        int ip = a << 24 | b << 16 | c << 8 | d;
        InetAddress address = InetAddress.getByAddress(ipv4Bytes(ip));
        FakeRegistry fake = new FakeRegistry();
        // decoys that share the address or the port
        fake.add(new InetSocketAddress(address, port % 65535 + 1), "same address, other port");
        fake.add(new InetSocketAddress(InetAddress.getByAddress(ipv4Bytes(ip ^ 1)), port), "same port, other address");
        Connection target = t.registered() ? fake.add(new InetSocketAddress(address, port), "target") : null;

        String header = a + "." + b + "." + c + "." + d + ":" + port + ":";
        byte[] bodyBytes = t.body().getBytes(UTF_8);
        ByteBuffer m = embed(before, concat(header.getBytes(UTF_8), bodyBytes), t.after(), t.readOnly());
        int limit = m.limit();

        Connection resolved = ADDRESSING.resolve(SENDER, m, fake.registry);

        assertThat(resolved).isSameAs(target);
        assertThat(fake.lookups).containsExactly("byIpv4 " + Integer.toHexString(ip) + " " + port);
        assertThat(m.position()).isEqualTo(before.length + header.length());
        assertThat(m.limit()).isEqualTo(limit);
        assertThat(remaining(m)).isEqualTo(bodyBytes);
    }

    record Ipv6Case(byte[] ip, boolean upperCase, int port, String body) {
        @Override
        public String toString() {
            return "Ipv6Case[ip=" + Arrays.toString(ip) + ", upperCase=" + upperCase + ", port=" + port + ", body="
                    + quote(body) + "]";
        }
    }

    @Test
    void ipv6AddressingFindsTheTarget() {
        forAll(0x1F6L, 300, r -> new Ipv6Case(ipv6(r), r.nextBoolean(), intBetween(r, 1, 65535), body(r)),
                SeedAddressingPropertiesTest::ipv6AddressingFindsTheTarget);
    }

    private static void ipv6AddressingFindsTheTarget(Ipv6Case t) throws UnknownHostException {
        byte[] ip = t.ip();
        int port = t.port();
        String body = t.body();
        StringBuilder literal = new StringBuilder();
        ByteBuffer groups = ByteBuffer.wrap(ip);
        for (int i = 0; i < 8; i++) {
            literal.append(i == 0 ? "" : ":").append(Integer.toHexString(groups.getShort() & 0xffff));
        }
        String text = t.upperCase() ? literal.toString().toUpperCase() : literal.toString();
        FakeRegistry fake = new FakeRegistry();
        // an IPv4-mapped address comes back as the IPv4 address, in the registry as from the parser
        Connection target = fake.add(new InetSocketAddress(InetAddress.getByAddress(ip), port), "target");
        String header = "[" + text + "]:" + port + ":";
        ByteBuffer m = embed(new byte[] {':'}, (header + body).getBytes(UTF_8), new byte[] {':'}, true);

        assertThat(ADDRESSING.resolve(SENDER, m, fake.registry)).isSameAs(target);
        assertThat(m.position()).isEqualTo(1 + header.length());
        assertThat(remaining(m)).isEqualTo(body.getBytes(UTF_8));
    }

    @Test
    void examples() {
        FakeRegistry fake = new FakeRegistry();
        Connection local = fake.add(new InetSocketAddress("127.0.0.1", 5000), "local");
        Connection v6 = fake.add(new InetSocketAddress("::1", 6000), "v6");
        assertThat(resolve(fake, "127.0.0.1:5000:hi: there")).isSameAs(local);
        assertThat(resolve(fake, "127.0.0.1:05000:")).isSameAs(local);
        assertThat(resolve(fake, "[::1]:6000:\u00e9:")).isSameAs(v6);
        assertThat(resolve(fake, "[0:0:0:0:0:0:0:1]:6000:x")).isSameAs(v6);
        assertThat(resolve(fake, "127.0.0.1:5001:hi")).isNull();
        assertThat(resolve(fake, "[::2]:6000:hi")).isNull();
        assertError(fake, "", "empty message");
        assertError(fake, "hello", "expected IP:PORT:MESSAGE");
        assertError(fake, "127.0.0.1:5000", "expected IP:PORT:MESSAGE");
        assertError(fake, "[::1]", "expected IP:PORT:MESSAGE");
        assertError(fake, "[::1:5000:x", "expected IP:PORT:MESSAGE");
        assertError(fake, "[::1]x5000:x", "expected IP:PORT:MESSAGE");
        assertError(fake, "127.0.0.1::hi", "bad port");
        assertError(fake, "127.0.0.1:0:hi", "bad port");
        assertError(fake, "127.0.0.1:65536:hi", "bad port");
        assertError(fake, "127.0.0.1:123456:hi", "bad port");
        assertError(fake, "127.0.0.1:+80:hi", "bad port");
        assertError(fake, "[::1]:x:hi", "bad port");
        assertError(fake, "127.0.0.256:80:hi", "bad address");
        assertError(fake, "127.0.0:80:hi", "bad address");
        assertError(fake, "127.0.0.1.1:80:hi", "bad address");
        assertError(fake, "127..0.1:80:hi", "bad address");
        assertError(fake, "127.0.0.1.:80:hi", "bad address");
        assertError(fake, "0127.0.0.1:80:hi", "bad address");
        assertError(fake, "localhost:80:hi", "bad address");
        assertError(fake, ":80:hi", "bad address");
        assertError(fake, "[]:80:hi", "bad address");
        assertError(fake, "[127.0.0.1]:80:hi", "bad address");
        assertError(fake, "[::1::2]:80:hi", "bad address");
        assertError(fake, "[::\u00e9]:80:hi", "bad address");
    }

    private static Connection resolve(FakeRegistry fake, String message) {
        return ADDRESSING.resolve(SENDER, ByteBuffer.wrap(message.getBytes(UTF_8)), fake.registry);
    }

    private static void assertError(FakeRegistry fake, String message, String text) {
        assertThatThrownBy(() -> resolve(fake, message)).as(message)
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(text);
    }

    // ---------------------------------------------------------------------------------------------------
    // Garbage

    record GarbageCase(byte[] message, byte[] before, byte[] after) {
        @Override
        public String toString() {
            return "GarbageCase[message=" + quote(message) + ", before=" + quote(before) + ", after=" + quote(after)
                    + "]";
        }
    }

    /**
     * Any input: a result or an IllegalArgumentException with a documented text, nothing else; the buffer's
     * limit and content are untouched. Unbracketed input is checked against a model of the documented IPv4
     * form ({@code D.D.D.D:PORT:BODY}, 1 to 3 digits per part, each at most 255; 1 to 5 port digits, 1 to
     * 65535): the same target and body start, or the same error text.
     */
    @Test
    void garbageGivesAResultOrADocumentedError() {
        int tries = 2000;
        Map<String, Integer> outcomes = new TreeMap<>();
        long seed = forAll(0xADD4E55L, tries, r -> new GarbageCase(garbage(r), padding(r), padding(r)),
                t -> garbageGivesAResultOrADocumentedError(t, outcomes));
        List<String> required = new ArrayList<>(List.of("found", "not connected"));
        required.addAll(DOCUMENTED_ERRORS.stream().sorted().toList());
        for (String s : required) {
            int n = outcomes.getOrDefault(s, 0);
            assertThat(100.0 * n / tries)
                    .as("percentage of cases with outcome \"%s\" (seed %d; all outcomes: %s)", s, seed, outcomes)
                    .isGreaterThan(0.2);
        }
    }

    private static void garbageGivesAResultOrADocumentedError(GarbageCase t, Map<String, Integer> outcomes)
            throws UnknownHostException {
        byte[] message = t.message();
        byte[] before = t.before();
        FakeRegistry fake = new FakeRegistry();
        Connection anyone = fake.add(new InetSocketAddress("1.2.3.4", 80), "1.2.3.4:80");
        ByteBuffer m = embed(before, message, t.after(), true);
        int limit = m.limit(); // read-only: a write would fail with ReadOnlyBufferException

        Connection resolved;
        String error;
        try {
            resolved = ADDRESSING.resolve(SENDER, m, fake.registry);
            error = null;
            assertThat(m.position()).isGreaterThan(before.length).isLessThanOrEqualTo(limit);
            assertThat(m.get(m.position() - 1)).isEqualTo((byte) ':');
            assertThat(resolved).isIn(null, anyone);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isIn(DOCUMENTED_ERRORS);
            resolved = null;
            error = e.getMessage();
        }
        assertThat(m.limit()).isEqualTo(limit);
        outcomes.merge(error != null ? error : resolved != null ? "found" : "not connected", 1, Integer::sum);

        String text = new String(message, ISO_8859_1);
        if (text.startsWith("[")) {
            return;
        }
        Object expected = ipv4Model(text);
        if (expected instanceof String) {
            assertThat(error).as("error for %s", text).isEqualTo(expected);
        } else {
            int[] ok = (int[]) expected;
            assertThat(error).as("error for %s", text).isNull();
            assertThat(fake.lookups).containsExactly("byIpv4 " + Integer.toHexString(ok[0]) + " " + ok[1]);
            assertThat(m.position()).isEqualTo(before.length + ok[2]);
            assertThat(resolved).isSameAs(ok[0] == 0x01020304 && ok[1] == 80 ? anyone : null);
        }
    }

    private static final Pattern IPV4 = Pattern.compile("([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");

    /** The documented outcome for an unbracketed message: its error text, or {ip, port, body offset}. */
    private static Object ipv4Model(String text) {
        if (text.isEmpty()) {
            return "empty message";
        }
        int hostEnd = text.indexOf(':');
        int portEnd = hostEnd < 0 ? -1 : text.indexOf(':', hostEnd + 1);
        if (portEnd < 0) {
            return "expected IP:PORT:MESSAGE";
        }
        String port = text.substring(hostEnd + 1, portEnd);
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            return "bad port";
        }
        Matcher host = IPV4.matcher(text.substring(0, hostEnd));
        if (!host.matches()) {
            return "bad address";
        }
        int ip = 0;
        for (int i = 1; i <= 4; i++) {
            int part = Integer.parseInt(host.group(i));
            if (part > 255) {
                return "bad address";
            }
            ip = ip << 8 | part;
        }
        return new int[] {ip, Integer.parseInt(port), portEnd + 1};
    }

    // ---------------------------------------------------------------------------------------------------
    // A fixed bug: a bracketed "literal" that did not start with a hex digit or ':' was looked up as a host name

    /**
     * {@link Routers#byAddress()} documents "Host names are not resolved: they are malformed addressing", and
     * parseIpv6 means to parse a literal only. But {@code InetAddress.getByName} treats a string that does not
     * begin with a hex digit or ':' as a host name and asks the system resolver, even when it contains ':'.
     * So {@code [g:1]:80:hi} used to make the loop thread do a blocking name lookup (getaddrinfo, DNS); parseIpv6
     * now accepts only hex digits, ':' and '.'. Checked in a child JVM whose resolver is a hosts file mapping
     * the name {@code g:1} to 10.1.2.3: with the bug the message was delivered to 10.1.2.3:80 instead of being
     * rejected as "bad address".
     */
    @Test
    void bracketedHostNamesAreNotResolved() throws Exception {
        Path hosts = Files.createTempFile("chat-nio-hosts", ".txt");
        try {
            Files.writeString(hosts, "10.1.2.3 g:1\n");
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process p = new ProcessBuilder(java.toString(), "-Djdk.net.hosts.file=" + hosts,
                    "-cp", System.getProperty("java.class.path"), ResolveInChildJvm.class.getName(), "[g:1]:80:hi")
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
            String out = new String(p.getInputStream().readAllBytes(), UTF_8).trim();
            assertThat(out).as("[g:1]:80:hi with the name g:1 resolvable").isEqualTo("error: bad address");
        } finally {
            Files.deleteIfExists(hosts);
        }
    }

    /** Resolves {@code args[0]} against a registry holding 10.1.2.3:80 and prints the outcome. */
    static final class ResolveInChildJvm {
        public static void main(String[] args) throws Exception {
            FakeRegistry fake = new FakeRegistry();
            fake.add(new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 1, 2, 3}), 80), "10.1.2.3:80");
            try {
                System.out.println("resolved: " + resolve(fake, args[0]));
            } catch (IllegalArgumentException e) {
                System.out.println("error: " + e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Generators

    /** UTF-8 text of up to 20 1- to 4-byte characters, with plenty of ':'. */
    static String body(Random r) {
        StringBuilder s = new StringBuilder();
        for (int cp : listOf(r, 20, () -> {
            switch (weighted(r, 3, 6, 2, 2, 2, 2)) {
                case 0:
                    return (int) ':';
                case 1:
                    return intBetween(r, 0x20, 0x7e);
                case 2:
                    return intBetween(r, 0, 0x1f);
                case 3:
                    return intBetween(r, 0x80, 0x7ff);
                case 4:
                    return intBetween(r, 0x800, 0xd7ff);
                default:
                    return intBetween(r, 0x10000, 0x10ffff);
            }
        })) {
            s.appendCodePoint(cp);
        }
        return s.toString();
    }

    private static final byte[] PADDING = {':', '1', '.', ']', 'x'};

    /** Up to 4 bytes outside the message, in the same buffer: the parser must not look at them. */
    static byte[] padding(Random r) {
        byte[] b = new byte[r.nextInt(5)];
        for (int i = 0; i < b.length; i++) {
            b[i] = PADDING[r.nextInt(PADDING.length)];
        }
        return b;
    }

    /** Any 16 bytes, or (half the time) an IPv4-mapped ::ffff:a.b.c.d, written in hex groups by the test. */
    static byte[] ipv6(Random r) {
        byte[] ip = new byte[16];
        if (r.nextBoolean()) {
            for (int i = 0; i < 16; i++) {
                ip[i] = anyByte(r);
            }
        } else {
            ip[10] = (byte) 0xff;
            ip[11] = (byte) 0xff;
            for (int i = 12; i < 16; i++) {
                ip[i] = anyByte(r);
            }
        }
        return ip;
    }

    private static final Character[] INTERESTING = {'0', '1', '2', '5', '6', '9', '.', '.', ':', ':', ':', '[',
            ']', 'a', 'F', '%', ' ', '-', '\u00e9', '\u00ff', '\0'};
    private static final String[] VALID = {"1.2.3.4:80:hi", "255.255.255.255:65535:", "0.0.0.0:1:a:b",
            "01.002.3.4:00080:x", "[::1]:80:hi", "[::ffff:1.2.3.4]:80:x", "[fe80::1%1]:9:x", "[1:2:3:4:5:6:7:8]:1:"};

    /**
     * Messages made of the characters the parser looks at, valid messages with one character inserted,
     * deleted or replaced, and valid messages, a third each. Bracketed text is not rewritten: parseIpv6 rejects
     * any text a resolver would be asked about before it reaches {@code InetAddress.getByName}.
     */
    static byte[] garbage(Random r) {
        String s;
        switch (r.nextInt(3)) {
            case 0: {
                StringBuilder soup = new StringBuilder();
                for (char c : listOf(r, 24, () -> pick(r, INTERESTING))) {
                    soup.append(c);
                }
                s = soup.toString();
                break;
            }
            case 1: {
                String valid = pick(r, VALID);
                int i = Math.min(intBetween(r, 0, 30), valid.length());
                int op = r.nextInt(3);
                char ch = pick(r, INTERESTING);
                switch (op) {
                    case 0:
                        s = valid.substring(0, i) + ch + valid.substring(i);
                        break;
                    case 1:
                        s = i < valid.length() ? valid.substring(0, i) + valid.substring(i + 1) : valid;
                        break;
                    default:
                        s = i < valid.length() ? valid.substring(0, i) + ch + valid.substring(i + 1) : valid + ch;
                }
                break;
            }
            default:
                s = pick(r, VALID);
        }
        return s.getBytes(ISO_8859_1);
    }

    /** Java-literal-like text of {@code s}: printable ASCII as is, anything else escaped. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.append('"').toString();
    }

    /** {@code b} as ISO-8859-1 text, quoted. */
    static String quote(byte[] b) {
        return quote(new String(b, ISO_8859_1));
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    /** {@code message} as {@code [position, limit)} of a buffer that holds other bytes before and after it. */
    private static ByteBuffer embed(byte[] before, byte[] message, byte[] after, boolean readOnly) {
        ByteBuffer b = ByteBuffer.wrap(concat(before, message, after));
        b.position(before.length).limit(before.length + message.length);
        return readOnly ? b.asReadOnlyBuffer() : b;
    }

    private static byte[] remaining(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
