package io.chatnio;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/** {@link Routers#byAddress()}, the seed protocol's {@code IP:PORT:BODY} addressing, on random input. */
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

    @Property(tries = 1000)
    void ipv4AddressingFindsTheTargetAndLeavesPositionAtTheBody(
            @ForAll @IntRange(min = 0, max = 255) int a, @ForAll @IntRange(min = 0, max = 255) int b,
            @ForAll @IntRange(min = 0, max = 255) int c, @ForAll @IntRange(min = 0, max = 255) int d,
            @ForAll @IntRange(min = 1, max = 65535) int port, @ForAll("bodies") String body,
            @ForAll("padding") byte[] before, @ForAll("padding") byte[] after,
            @ForAll boolean registered, @ForAll boolean readOnly) throws UnknownHostException {
        int ip = a << 24 | b << 16 | c << 8 | d;
        InetAddress address = InetAddress.getByAddress(ipv4Bytes(ip));
        FakeRegistry fake = new FakeRegistry();
        // decoys that share the address or the port
        fake.add(new InetSocketAddress(address, port % 65535 + 1), "same address, other port");
        fake.add(new InetSocketAddress(InetAddress.getByAddress(ipv4Bytes(ip ^ 1)), port), "same port, other address");
        Connection target = registered ? fake.add(new InetSocketAddress(address, port), "target") : null;

        String header = a + "." + b + "." + c + "." + d + ":" + port + ":";
        byte[] bodyBytes = body.getBytes(UTF_8);
        ByteBuffer m = embed(before, concat(header.getBytes(UTF_8), bodyBytes), after, readOnly);
        int limit = m.limit();

        Connection resolved = ADDRESSING.resolve(SENDER, m, fake.registry);

        assertThat(resolved).isSameAs(target);
        assertThat(fake.lookups).containsExactly("byIpv4 " + Integer.toHexString(ip) + " " + port);
        assertThat(m.position()).isEqualTo(before.length + header.length());
        assertThat(m.limit()).isEqualTo(limit);
        assertThat(remaining(m)).isEqualTo(bodyBytes);
    }

    @Property(tries = 300)
    void ipv6AddressingFindsTheTarget(@ForAll("ipv6") byte[] ip, @ForAll boolean upperCase,
            @ForAll @IntRange(min = 1, max = 65535) int port, @ForAll("bodies") String body) throws UnknownHostException {
        StringBuilder literal = new StringBuilder();
        ByteBuffer groups = ByteBuffer.wrap(ip);
        for (int i = 0; i < 8; i++) {
            literal.append(i == 0 ? "" : ":").append(Integer.toHexString(groups.getShort() & 0xffff));
        }
        String text = upperCase ? literal.toString().toUpperCase() : literal.toString();
        FakeRegistry fake = new FakeRegistry();
        // an IPv4-mapped address comes back as the IPv4 address, in the registry as from the parser
        Connection target = fake.add(new InetSocketAddress(InetAddress.getByAddress(ip), port), "target");
        String header = "[" + text + "]:" + port + ":";
        ByteBuffer m = embed(new byte[] {':'}, (header + body).getBytes(UTF_8), new byte[] {':'}, true);

        assertThat(ADDRESSING.resolve(SENDER, m, fake.registry)).isSameAs(target);
        assertThat(m.position()).isEqualTo(1 + header.length());
        assertThat(remaining(m)).isEqualTo(body.getBytes(UTF_8));
    }

    @Example
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

    /**
     * Any input: a result or an IllegalArgumentException with a documented text, nothing else; the buffer's
     * limit and content are untouched. Unbracketed input is checked against a model of the documented IPv4
     * form ({@code D.D.D.D:PORT:BODY}, 1 to 3 digits per part, each at most 255; 1 to 5 port digits, 1 to
     * 65535): the same target and body start, or the same error text.
     */
    @Property(tries = 2000)
    void garbageGivesAResultOrADocumentedError(@ForAll("garbage") byte[] message, @ForAll("padding") byte[] before,
            @ForAll("padding") byte[] after) throws UnknownHostException {
        FakeRegistry fake = new FakeRegistry();
        Connection anyone = fake.add(new InetSocketAddress("1.2.3.4", 80), "1.2.3.4:80");
        ByteBuffer m = embed(before, message, after, true);
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
        Statistics.label("outcome").collect(error != null ? error : resolved != null ? "found" : "not connected");
        Statistics.label("outcome").coverage(check -> {
            check.check("found").percentage(p -> p > 0.2);
            check.check("not connected").percentage(p -> p > 0.2);
            DOCUMENTED_ERRORS.forEach(e -> check.check(e).percentage(p -> p > 0.2));
        });

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
    // A bug: a bracketed "literal" that does not start with a hex digit or ':' is looked up as a host name

    /**
     * {@link Routers#byAddress()} documents "Host names are not resolved: they are malformed addressing", and
     * parseIpv6 means to parse a literal only. But {@code InetAddress.getByName} treats a string that does not
     * begin with a hex digit or ':' as a host name and asks the system resolver, even when it contains ':'.
     * So {@code [g:1]:80:hi} makes the loop thread do a blocking name lookup (getaddrinfo, DNS). Shown here
     * in a child JVM whose resolver is a hosts file mapping the name {@code g:1} to 10.1.2.3: the message is
     * then delivered to 10.1.2.3:80 instead of being rejected as "bad address".
     */
    @Example
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

    /** UTF-8 text of 1- to 4-byte characters, with plenty of ':'. */
    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just((int) ':')),
                Tuple.of(6, Arbitraries.integers().between(0x20, 0x7e)),
                Tuple.of(2, Arbitraries.integers().between(0, 0x1f)),
                Tuple.of(2, Arbitraries.integers().between(0x80, 0x7ff)),
                Tuple.of(2, Arbitraries.integers().between(0x800, 0xd7ff)),
                Tuple.of(2, Arbitraries.integers().between(0x10000, 0x10ffff)));
        return codePoint.list().ofMaxSize(20).map(cps -> {
            StringBuilder s = new StringBuilder();
            cps.forEach(s::appendCodePoint);
            return s.toString();
        });
    }

    /** Bytes outside the message, in the same buffer: the parser must not look at them. */
    @Provide
    Arbitrary<byte[]> padding() {
        return Arbitraries.of((byte) ':', (byte) '1', (byte) '.', (byte) ']', (byte) 'x').array(byte[].class).ofMaxSize(4);
    }

    @Provide
    Arbitrary<byte[]> ipv6() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofSize(16),
                // IPv4-mapped ::ffff:a.b.c.d, written in hex groups
                Arbitraries.bytes().array(byte[].class).ofSize(4).map(v4 -> concat(new byte[10],
                        new byte[] {(byte) 0xff, (byte) 0xff}, v4)));
    }

    /**
     * Messages made of the characters the parser looks at, and valid messages with one character inserted,
     * deleted or replaced.
     */
    @Provide
    Arbitrary<byte[]> garbage() {
        Arbitrary<Character> interesting = Arbitraries.of('0', '1', '2', '5', '6', '9', '.', '.', ':', ':', ':', '[',
                ']', 'a', 'F', '%', ' ', '-', '\u00e9', '\u00ff', '\0');
        Arbitrary<String> soup = interesting.list().ofMaxSize(24).map(cs -> {
            StringBuilder s = new StringBuilder();
            cs.forEach(s::append);
            return s.toString();
        });
        Arbitrary<String> valid = Arbitraries.of("1.2.3.4:80:hi", "255.255.255.255:65535:", "0.0.0.0:1:a:b",
                "01.002.3.4:00080:x", "[::1]:80:hi", "[::ffff:1.2.3.4]:80:x", "[fe80::1%1]:9:x", "[1:2:3:4:5:6:7:8]:1:");
        Arbitrary<String> mutated = Combinators.combine(valid, Arbitraries.integers().between(0, 30),
                Arbitraries.of(0, 1, 2), interesting).as((s, at, op, ch) -> {
                    int i = Math.min(at, s.length());
                    switch (op) {
                        case 0:
                            return s.substring(0, i) + ch + s.substring(i);
                        case 1:
                            return i < s.length() ? s.substring(0, i) + s.substring(i + 1) : s;
                        default:
                            return i < s.length() ? s.substring(0, i) + ch + s.substring(i + 1) : s + ch;
                    }
                });
        return Arbitraries.oneOf(soup, mutated, valid).map(s -> avoidNameLookup(s).getBytes(ISO_8859_1));
    }

    /**
     * Bracketed text that passes parseIpv6's character check but starts with neither a hex digit nor ':' would
     * reach the system resolver (the bug shown
     * in {@link #bracketedHostNamesAreNotResolved}); keep the properties off the network.
     */
    private static String avoidNameLookup(String s) {
        if (s.length() > 1 && s.charAt(0) == '[' && (s.charAt(1) == '.' || s.charAt(1) == '%'
                || s.charAt(1) < 128 && Character.isLetter(s.charAt(1)) && Character.digit(s.charAt(1), 16) < 0)) {
            return "[:" + s.substring(2);
        }
        return s;
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
