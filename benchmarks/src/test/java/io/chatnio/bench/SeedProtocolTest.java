package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seed protocol as every server implementation must speak it, checked with plain blocking clients.
 * Every wait is a read with a socket timeout; "nothing arrived" is proved by a later line that would
 * have been queued behind it on the same connection.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SeedProtocolTest {

    private static final int READ_TIMEOUT_MILLIS = 5_000;
    private static final String SAYS = " 账户对您说:";

    static Iterable<String> implementations() {
        return TestServers.implementations();
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void deliversEverythingAfterTheSecondColonToTheNamedClient(String impl) throws IOException {
        try (SeedServer server = TestServers.startOnLoopback(impl);
             Client a = new Client(server.address());
             Client b = new Client(server.address())) {
            a.send(b.address() + ":hello: world:\n");
            assertThat(b.readLine()).isEqualTo(a.port() + SAYS + "hello: world: \n");
            b.send(a.address() + ":中文 ok\r\n");
            assertThat(a.readLine()).isEqualTo(b.port() + SAYS + "中文 ok \n");
            a.send(a.address() + ":\n");
            assertThat(a.readLine()).isEqualTo(a.port() + SAYS + " \n");
            a.send("[::ffff:127.0.0.1]:" + b.port() + ":mapped\n");
            assertThat(b.readLine()).isEqualTo(a.port() + SAYS + "mapped \n");
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void tellsTheSenderWhenTheTargetIsOffline(String impl) throws IOException {
        try (SeedServer server = TestServers.startOnLoopback(impl);
             Client a = new Client(server.address())) {
            a.send("127.0.0.1:1:anyone?\n");
            assertThat(a.readLine()).isEqualTo("对方已下线!\n");
            a.send("[::2]:7:anyone?\n");
            assertThat(a.readLine()).isEqualTo("对方已下线!\n");
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void answersMalformedLinesWithOneErrorAndStaysConnected(String impl) throws IOException {
        String[] malformed = {
            "\n", "\r\n", "no colon\n", "127.0.0.1\n", "127.0.0.1:80\n", "127.0.0.1::x\n", "127.0.0.1:0:x\n",
            "127.0.0.1:65536:x\n", "127.0.0.1:8o:x\n", "localhost:80:x\n", "127.0.0.256:80:x\n",
            "1.2.3:80:x\n", "[::1:80:x\n", "[::1]80:x\n", "[zz::1]:80:x\n", "[.1]:80:x\n", "/who\n",
            "/join \n", "#:x\n", "#room\n",
        };
        try (SeedServer server = TestServers.startOnLoopback(impl);
             Client a = new Client(server.address())) {
            for (String line : malformed) {
                a.send(line);
                assertThat(a.readLine()).as("reply to %s", line.strip()).startsWith("ERR ").endsWith("\n");
            }
            a.send(a.address() + ":still here\n");
            assertThat(a.readLine()).isEqualTo(a.port() + SAYS + "still here \n");
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void deliversRoomMessagesToEveryOtherMember(String impl) throws IOException {
        try (SeedServer server = TestServers.startOnLoopback(impl);
             Client a = new Client(server.address());
             Client b = new Client(server.address());
             Client outsider = new Client(server.address())) {
            a.send("/join r\n/join r\n" + a.address() + ":joined\n");
            assertThat(a.readLine()).isEqualTo(a.port() + SAYS + "joined \n");
            b.send("/join r\n" + b.address() + ":joined\n");
            assertThat(b.readLine()).isEqualTo(b.port() + SAYS + "joined \n");

            outsider.send("#r:hi:all\n");
            assertThat(a.readLine()).isEqualTo(outsider.port() + SAYS + "hi:all \n");
            assertThat(b.readLine()).isEqualTo(outsider.port() + SAYS + "hi:all \n");

            // Not to the sender, once only to a member who joined twice, nothing for an unknown room.
            b.send("#r:from b\n#nobody:x\n" + b.address() + ":after\n");
            assertThat(b.readLine()).isEqualTo(b.port() + SAYS + "after \n");
            assertThat(a.readLine()).isEqualTo(b.port() + SAYS + "from b \n");
            a.send(a.address() + ":last\n");
            assertThat(a.readLine()).isEqualTo(a.port() + SAYS + "last \n");
        }
    }

    /**
     * Several senders write to one receiver at the same time, two by direct messages (many lines, more than one
     * read chunk each) and two through a room (fewer: under chat-nio's 256 KiB fan-out limit even if this test
     * reads slowly). Every line must arrive whole, each sender's lines in the order sent; how lines of different
     * senders interleave is free.
     */
    @ParameterizedTest
    @MethodSource("implementations")
    void keepsTheLinesOfConcurrentSendersWholeAndInOrder(String impl) throws Exception {
        int[] linesPerSender = {5_000, 5_000, 1_000, 1_000};
        int senders = linesPerSender.length;
        List<Client> clients = new ArrayList<>();
        ExecutorService writers = Executors.newFixedThreadPool(senders);
        try (SeedServer server = TestServers.startOnLoopback(impl);
             Client receiver = new Client(server.address())) {
            receiver.send("/join r\n" + receiver.address() + ":joined\n");
            assertThat(receiver.readLine()).isEqualTo(receiver.port() + SAYS + "joined \n");
            Map<String, Integer> senderByPort = new HashMap<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> writes = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                Client sender = new Client(server.address());
                clients.add(sender);
                senderByPort.put(sender.port(), s);
                String to = s < 2 ? receiver.address() + ":" : "#r:";
                StringBuilder stream = new StringBuilder();
                for (int k = 0; k < linesPerSender[s]; k++) {
                    stream.append(to).append(body(s, k)).append('\n');
                }
                byte[] bytes = stream.toString().getBytes(UTF_8);
                writes.add(writers.submit(() -> {
                    assertThat(go.await(10, TimeUnit.SECONDS)).as("start signal").isTrue();
                    sender.out.write(bytes);
                    return null;
                }));
            }
            go.countDown();

            int[] next = new int[senders];
            int total = Arrays.stream(linesPerSender).sum();
            for (int i = 0; i < total; i++) {
                String line = receiver.readLine();
                int space = line.indexOf(' ');
                Integer s = space < 0 ? null : senderByPort.get(line.substring(0, space));
                assertThat(s).as("sender of line %d: %s", i, line).isNotNull();
                assertThat(next[s]).as("lines from sender %d", s).isLessThan(linesPerSender[s]);
                assertThat(line).isEqualTo(clients.get(s).port() + SAYS + body(s, next[s]) + " \n");
                next[s]++;
            }
            assertThat(next).containsExactly(linesPerSender);
            for (Future<?> write : writes) {
                write.get(10, TimeUnit.SECONDS);
            }
        } finally {
            writers.shutdownNow();
            for (Client c : clients) {
                c.close();
            }
        }
    }

    private static String body(int sender, int seq) {
        return String.format("s%d:%06d:%s", sender, seq, "payload-".repeat(5));
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void closesTheConnectionOnAnOverlongLine(String impl) throws IOException {
        try (SeedServer server = TestServers.startOnLoopback(impl);
             Client a = new Client(server.address());
             Client b = new Client(server.address())) {
            byte[] longest = new byte[SeedProtocol.MAX_LINE_LENGTH];
            Arrays.fill(longest, (byte) 'x');
            a.send(b.address() + ":");
            a.out.write(longest, 0, longest.length - (b.address().length() + 1));
            a.send("\n");
            assertThat(b.readLine()).hasSize(a.port().length() + SAYS.length() + longest.length
                    - b.address().length() - 1 + 2);

            byte[] tooLong = new byte[SeedProtocol.MAX_LINE_LENGTH + 100];
            Arrays.fill(tooLong, (byte) 'x');
            assertThatThrownBy(() -> { // the write itself may meet the reset
                a.out.write(tooLong);
                a.readLine();
            }).isInstanceOfAny(EndOfStream.class, SocketException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void routesIpv6Clients(String impl) throws IOException {
        InetAddress loopback6;
        try (Socket probe = new Socket()) {
            loopback6 = InetAddress.getByName("::1");
            probe.bind(new InetSocketAddress(loopback6, 0));
        } catch (IOException e) {
            assumeTrue(false, "no IPv6 loopback: " + e);
            return;
        }
        try (SeedServer server = TestServers.start(impl, new InetSocketAddress(loopback6, 0));
             Client a = new Client(server.address());
             Client b = new Client(server.address())) {
            a.send("[::1]:" + b.port() + ":over v6\n");
            assertThat(b.readLine()).isEqualTo(a.port() + SAYS + "over v6 \n");
            b.send(a.address() + ":back\n");
            assertThat(a.readLine()).isEqualTo(b.port() + SAYS + "back \n");
        }
    }

    /** Thrown by {@link Client#readLine} when the server closed the connection. */
    static final class EndOfStream extends IOException {
        EndOfStream() {
            super("end of stream");
        }
    }

    /**
     * A blocking line client; every read is bounded by {@link #READ_TIMEOUT_MILLIS}. It is returned once the
     * server has registered it: a connect completes in the kernel before the server accepts, so a message
     * sent to a client that has only just connected could otherwise find it "offline". The client sends
     * itself {@code ready} and waits for it.
     */
    static final class Client implements AutoCloseable {
        private final Socket socket;
        final OutputStream out;
        private final InputStream in;

        Client(InetSocketAddress server) throws IOException {
            socket = new Socket();
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.connect(server, READ_TIMEOUT_MILLIS);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            try {
                send(address() + ":ready\n");
                String confirmation = readLine();
                if (!confirmation.equals(port() + SAYS + "ready \n")) {
                    throw new IOException("expected the confirmation, got " + confirmation);
                }
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        /** How others address this client: {@code IP:PORT} as the server sees it. */
        String address() {
            return SeedProtocol.format((InetSocketAddress) socket.getLocalSocketAddress());
        }

        String port() {
            return String.valueOf(socket.getLocalPort());
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(UTF_8));
        }

        /** The next line, {@code '\n'} included. */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int i = 0; i <= SeedProtocol.MAX_LINE_LENGTH + 1024; i++) {
                int b = in.read();
                if (b < 0) {
                    throw new EndOfStream();
                }
                line.write(b);
                if (b == '\n') {
                    return line.toString(UTF_8);
                }
            }
            throw new IOException("line too long");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
