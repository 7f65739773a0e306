package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A target that does not read must make the server stop reading its sender (the sender's writes stop
 * being accepted long before the whole stream is in), and once the target reads again every message
 * must arrive. "The server pushed back" is observed as the sender going quiet (see {@link #writeUntilQuiet})
 * with far less than the whole stream taken; without back-pressure the server would take all of it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackPressureTest {

    private static final int PAYLOAD = 4096;
    private static final int MESSAGES = 16_384; // 64 MiB: far more than every buffer on the way can hold
    private static final long QUIET_MILLIS = 300;
    private static final long WRITE_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);

    static Iterable<String> implementations() {
        return TestServers.implementations();
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void pausesTheSenderWhileTheTargetDoesNotReadAndDeliversEverythingAfterwards(String impl) throws Exception {
        try (SeedServer server = TestServers.startOnLoopback(impl);
             Socket target = new Socket();
             SocketChannel sender = SocketChannel.open(server.address())) {
            target.setReceiveBufferSize(64 * 1024);
            sender.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
            target.setSoTimeout(10_000);
            target.connect(server.address(), 10_000);
            InetSocketAddress targetAddress = (InetSocketAddress) target.getLocalSocketAddress();
            byte[] message = (SeedProtocol.format(targetAddress) + ":" + new String(LoadDriver.payload(PAYLOAD), UTF_8)
                    + "\n").getBytes(UTF_8);
            ByteBuffer stream = ByteBuffer.allocateDirect(message.length * MESSAGES);
            for (int i = 0; i < MESSAGES; i++) {
                stream.put(message);
            }
            stream.flip();

            long accepted = writeUntilQuiet(sender, stream);
            assertThat(accepted).as("bytes the server took from the sender while the target read nothing")
                    .isLessThan(stream.capacity() / 2);

            sender.configureBlocking(true);
            CompletableFuture<Void> rest = CompletableFuture.runAsync(() -> {
                try {
                    while (stream.hasRemaining()) {
                        sender.write(stream);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            String expectedLine = sender.socket().getLocalPort() + " 账户对您说:"
                    + new String(LoadDriver.payload(PAYLOAD), UTF_8) + " \n";
            InputStream in = new BufferedInputStream(target.getInputStream(), 64 * 1024);
            assertThat(readLines(in, MESSAGES - 1)).isEqualTo(MESSAGES - 1);
            assertThat(new String(in.readNBytes(expectedLine.getBytes(UTF_8).length), UTF_8)).isEqualTo(expectedLine);
            rest.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Writes without blocking until the server stops taking bytes: no writability for
     * {@link #QUIET_MILLIS} (a slow server only makes this stop early, which weakens the check but never
     * fails a correct server), or everything is written, or {@link #WRITE_DEADLINE_NANOS} passed.
     * Returns the bytes written.
     */
    private static long writeUntilQuiet(SocketChannel sender, ByteBuffer stream) throws IOException {
        long deadline = System.nanoTime() + WRITE_DEADLINE_NANOS;
        sender.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            sender.register(selector, SelectionKey.OP_WRITE);
            while (stream.hasRemaining() && System.nanoTime() < deadline) {
                if (sender.write(stream) == 0 && selector.select(QUIET_MILLIS) == 0) {
                    break;
                }
                selector.selectedKeys().clear();
            }
        }
        sender.configureBlocking(true); // the selector is closed, so the key is gone
        return stream.position();
    }

    private static int readLines(InputStream in, int count) throws IOException {
        int lines = 0;
        while (lines < count) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            lines += b == '\n' ? 1 : 0;
        }
        return lines;
    }
}
