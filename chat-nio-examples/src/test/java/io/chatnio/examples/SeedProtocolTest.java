package io.chatnio.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.examples.SeedServer.Framing;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The seed protocol end to end over loopback, byte for byte. Cases taking a {@link Framing} run against both
 * framings with the same expected bytes: lines-framed clients end each message with "\n", raw clients send one
 * unterminated message per write and wait for its reply before the next write.
 *
 * <p>Threads: each test runs on the JUnit thread, which drives blocking {@link TestClient}s; every server routes
 * on its own reactor loop thread.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SeedProtocolTest {

    private static SeedServer start(Framing framing) throws IOException {
        return SeedServer.start(SeedServer.Options.defaults().withPort(0).withFraming(framing));
    }

    private static String end(Framing framing) {
        return framing == Framing.LINES ? "\n" : "";
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void deliversToTheClientConnectedFromTheAddressExactly(Framing framing) throws IOException {
        try (SeedServer server = start(framing);
             TestClient a = TestClient.register(server.address(), end(framing));
             TestClient b = TestClient.register(server.address(), end(framing))) {
            a.send("127.0.0.1:" + b.port() + ":hello" + end(framing));

            byte[] expected = (a.port() + " \u8d26\u6237\u5bf9\u60a8\u8bf4:hello \n").getBytes(UTF_8);
            assertThat(b.readLine()).isEqualTo(expected);
            assertThat(expected).endsWith(' ', '\n');
        }
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void theMessageIsEverythingAfterTheSecondColon(Framing framing) throws IOException {
        try (SeedServer server = start(framing);
             TestClient a = TestClient.register(server.address(), end(framing));
             TestClient b = TestClient.register(server.address(), end(framing))) {
            for (String message : new String[] {"a:b::c:", ":", "12:30 at 127.0.0.1:80", ""}) {
                a.send("127.0.0.1:" + b.port() + ":" + message + end(framing));
                b.expect(TestClient.delivered(a.port(), message));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void nonAsciiTextIsDeliveredAsUtf8(Framing framing) throws IOException {
        try (SeedServer server = start(framing);
             TestClient a = TestClient.register(server.address(), end(framing));
             TestClient b = TestClient.register(server.address(), end(framing))) {
            String message = "你好，世界! Grüße ✓ \uD83D\uDE00";
            a.send("127.0.0.1:" + b.port() + ":" + message + end(framing));
            b.expect(TestClient.delivered(a.port(), message));
            // and the other way round
            b.send("127.0.0.1:" + a.port() + ":" + message + end(framing));
            a.expect(TestClient.delivered(b.port(), message));
        }
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void anAddressWithNoClientGetsTheOfflineNoticeBack(Framing framing) throws IOException {
        try (SeedServer server = start(framing);
             TestClient a = TestClient.register(server.address(), end(framing));
             TestClient b = TestClient.register(server.address(), end(framing))) {
            a.send("127.0.0.1:1:hello" + end(framing));
            a.expect(TestClient.OFFLINE);
            a.send("127.0.0.2:" + b.port() + ":right port, other IP" + end(framing));
            a.expect(TestClient.OFFLINE);
            a.send("[::1]:" + b.port() + ":right port, IPv6" + end(framing));
            a.expect(TestClient.OFFLINE);
            assertThat(TestClient.OFFLINE).isEqualTo("\u5bf9\u65b9\u5df2\u4e0b\u7ebf!\n".getBytes(UTF_8));
        }
    }

    @ParameterizedTest(name = "[{index}] {0} -> ERR {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            hello                   | expected IP:PORT:MESSAGE
            127.0.0.1:9999          | expected IP:PORT:MESSAGE
            [::1]9999:x             | expected IP:PORT:MESSAGE
            [::1:9999:x             | expected IP:PORT:MESSAGE
            127.0.0.1::x            | bad port
            127.0.0.1:abc:x         | bad port
            127.0.0.1:-1:x          | bad port
            127.0.0.1:0:x           | bad port
            127.0.0.1:65536:x       | bad port
            127.0.0.1:1000000:x     | bad port
            127.0.0.256:9999:x      | bad address
            1.2.3:9999:x            | bad address
            1.2.3.4.5:9999:x        | bad address
            localhost:9999:x        | bad address
            :9999:x                 | bad address
            []:9999:x               | bad address
            [localhost]:9999:x      | bad address
            [zz::1]:9999:x          | bad address
            [fe80::1%lo]:9999:x     | bad address
            """)
    void malformedAddressingGetsOneErrorLineAndTheConnectionStaysOpen(String input, String reason) throws IOException {
        for (Framing framing : Framing.values()) {
            try (SeedServer server = start(framing);
                 TestClient a = TestClient.register(server.address(), end(framing))) {
                a.send(input + end(framing));
                a.expect(("ERR " + reason + "\n").getBytes(UTF_8));
                a.send(a.address() + ":still here" + end(framing));
                a.expect(TestClient.delivered(a.port(), "still here"));
            }
        }
    }

    @Test
    void anEmptyLineGetsAnErrorLine() throws IOException {
        try (SeedServer server = start(Framing.LINES);
             TestClient a = TestClient.register(server.address(), "\n")) {
            a.send("\n\r\n");
            a.expect("ERR empty message\n".getBytes(UTF_8));
            a.expect("ERR empty message\n".getBytes(UTF_8));
            a.send(a.address() + ":still here\n");
            a.expect(TestClient.delivered(a.port(), "still here"));
        }
    }

    @Test
    void linesToleratesCrLfAndSplitsPipelinedMessagesInOrder() throws IOException {
        try (SeedServer server = start(Framing.LINES);
             TestClient a = TestClient.register(server.address(), "\n");
             TestClient b = TestClient.register(server.address(), "\n")) {
            String to = "127.0.0.1:" + b.port() + ":";
            a.send(to + "one\r\n" + to + "two\n" + to + "thr");
            a.send("ee\r\n");
            b.expect(TestClient.delivered(a.port(), "one"));
            b.expect(TestClient.delivered(a.port(), "two"));
            b.expect(TestClient.delivered(a.port(), "three"));
        }
    }

    @Test
    void ipv4IsParsedAsANumberAndMayBeWrittenAsMappedIpv6() throws IOException {
        try (SeedServer server = start(Framing.LINES);
             TestClient a = TestClient.register(server.address(), "\n");
             TestClient b = TestClient.register(server.address(), "\n")) {
            a.send("127.000.0.01:" + b.port() + ":leading zeros\n");
            b.expect(TestClient.delivered(a.port(), "leading zeros"));
            a.send("[::ffff:127.0.0.1]:" + b.port() + ":mapped\n");
            b.expect(TestClient.delivered(a.port(), "mapped"));
            a.send("127.0.0.1:0" + b.port() + ":port with a leading zero\n");
            if (b.port() < 10000) {
                b.expect(TestClient.delivered(a.port(), "port with a leading zero"));
            } else {
                a.expect("ERR bad port\n".getBytes(UTF_8)); // more than 5 digits
            }
        }
    }

    @Test
    void rawKeepsEveryByteOfTheReadIncludingANewline() throws IOException {
        try (SeedServer server = start(Framing.RAW);
             TestClient a = TestClient.register(server.address(), "");
             TestClient b = TestClient.register(server.address(), "")) {
            a.send("127.0.0.1:" + b.port() + ":hi\n");
            String says = new String(TestClient.SAYS, UTF_8);
            assertThat(b.readLine()).isEqualTo((a.port() + says + "hi\n").getBytes(UTF_8));
            assertThat(b.readLine()).isEqualTo(" \n".getBytes(UTF_8));
        }
    }

    @Test
    void aLineLongerThanMaxFrameClosesOnlyThatConnection() throws IOException {
        SeedServer.Options options = SeedServer.Options.defaults().withPort(0).withMaxFrame(64);
        try (SeedServer server = SeedServer.start(options);
             TestClient a = TestClient.register(server.address(), "\n");
             TestClient b = TestClient.register(server.address(), "\n")) {
            String fits = "x".repeat(64 - ("127.0.0.1:" + b.port() + ":").length());
            a.send("127.0.0.1:" + b.port() + ":" + fits + "\n");
            b.expect(TestClient.delivered(a.port(), fits));

            a.send("127.0.0.1:" + b.port() + ":" + fits + "y\n");
            assertThat(a.closedByServer()).isTrue();
            b.send(b.address() + ":unaffected\n");
            b.expect(TestClient.delivered(b.port(), "unaffected"));
        }
    }

    @Test
    void ipv6LoopbackIsAddressedInBrackets() throws IOException {
        Assumptions.assumeTrue(hasIpv6Loopback(), "no IPv6 loopback on this machine");
        SeedServer.Options options = SeedServer.Options.defaults().withHost("::1").withPort(0);
        try (SeedServer server = SeedServer.start(options);
             TestClient a = TestClient.register(server.address(), "\n");
             TestClient b = TestClient.register(server.address(), "\n")) {
            assertThat(b.address()).isEqualTo("[0:0:0:0:0:0:0:1]:" + b.port());
            a.send("[::1]:" + b.port() + ":hello: over v6\n");
            b.expect(TestClient.delivered(a.port(), "hello: over v6"));
            a.send("[0:0:0:0:0:0:0:1]:" + b.port() + ":long form\n");
            b.expect(TestClient.delivered(a.port(), "long form"));
            a.send("127.0.0.1:" + b.port() + ":v4 is another address\n");
            a.expect(TestClient.OFFLINE);
            a.send("[::1]:1:nobody\n");
            a.expect(TestClient.OFFLINE);
        }
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void aConnectionOverMaxConnectionsGetsAnErrorLineAndIsClosed(Framing framing) throws IOException {
        SeedServer.Options options = SeedServer.Options.defaults().withPort(0).withFraming(framing)
                .withMaxConnections(2);
        try (SeedServer server = SeedServer.start(options);
             TestClient a = TestClient.register(server.address(), end(framing));
             TestClient b = TestClient.register(server.address(), end(framing));
             TestClient c = TestClient.connect(server.address())) {
            c.expect("ERR too many connections\n".getBytes(UTF_8));
            assertThat(c.closedByServer()).isTrue();
            a.send("127.0.0.1:" + b.port() + ":the others stay" + end(framing));
            b.expect(TestClient.delivered(a.port(), "the others stay"));
        }
    }

    @Test
    void anIdleConnectionIsClosed() throws IOException {
        SeedServer.Options options = SeedServer.Options.defaults().withPort(0)
                .withIdleTimeout(java.time.Duration.ofMillis(200));
        try (SeedServer server = SeedServer.start(options);
             TestClient a = TestClient.register(server.address(), "\n")) {
            assertThat(a.closedByServer()).isTrue(); // within the 10 s read timeout
        }
    }

    @Test
    void closeDisconnectsEveryClient() throws IOException {
        SeedServer server = start(Framing.LINES);
        try (TestClient a = TestClient.register(server.address(), "\n")) {
            server.close();
            assertThat(a.closedByServer()).isTrue();
            assertThat(server.reactor().isTerminated()).isTrue();
        }
    }

    @Test
    void optionsRejectBadValues() {
        SeedServer.Options d = SeedServer.Options.defaults();
        assertThat(d.host()).isEqualTo("127.0.0.1");
        assertThat(d.port()).isEqualTo(9999);
        assertThat(d.maxFrame()).isEqualTo(65536);
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> d.withPort(65536));
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> d.withMaxFrame(0));
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> d.withIdleTimeout(java.time.Duration.ofSeconds(-1)));
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> d.withMaxConnections(-1));
    }

    private static boolean hasIpv6Loopback() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
