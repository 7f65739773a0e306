package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TlsLoadChannel} against a server {@link SSLEngine} (the {@code -tls} servers' context) over an
 * in-memory channel, so that the test decides exactly which ciphertext bytes each read finds: records cut at
 * every byte boundary, a byte at a time, several at once, the end of the stream and {@code close_notify}; a
 * socket that takes only part of a write. Everything runs on the test thread; nothing waits.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsLoadChannelTest {

    /** The most plaintext the JDK puts into one TLS 1.3 record (16 KiB less its inner type and padding). */
    private static final int MAX_RECORD_PLAINTEXT = 16_367;
    /** Bounds every exchange loop: a handshake takes a handful of rounds. */
    private static final int MAX_ROUNDS = 100_000;

    private final Memory socket = new Memory();
    private final SSLEngine server = serverEngine();
    /** Ciphertext the client wrote that the server engine has not unwrapped yet. */
    private final ByteBuffer toServer = ByteBuffer.allocate(1 << 20);
    /** The plaintext buffer the client decrypts into (the driver's read buffer is as large). */
    private final ByteBuffer plain = ByteBuffer.allocateDirect(256 * 1024);

    @Test
    void handshakesThePinnedProtocolAndSuiteAndSendsInOneRecordPerBatch() throws Exception {
        TlsLoadChannel client = client("127.0.0.1");
        handshake(client, Integer.MAX_VALUE);
        assertThat(server.getSession().getProtocol()).isEqualTo(BenchTls.PROTOCOL);
        assertThat(server.getSession().getCipherSuite()).isEqualTo(BenchTls.CIPHER_SUITE);

        byte[] a = "127.0.0.1:1:one line\n".repeat(40).getBytes(UTF_8);
        byte[] b = "127.0.0.1:1:another\n".repeat(40).getBytes(UTF_8);
        ByteBuffer[] batch = {ByteBuffer.wrap(a), ByteBuffer.wrap(b)};
        assertThat(client.write(batch, 0, 2)).isEqualTo(a.length + b.length);
        assertThat(client.hasPendingOutput()).isFalse();
        byte[] wire = socket.takeWritten();
        assertThat(wire[0]).as("an application data record").isEqualTo((byte) 23);
        assertThat(((wire[3] & 0xFF) << 8 | wire[4] & 0xFF) + 5).as("one record for the whole batch")
                .isEqualTo(wire.length);
        assertThat(serverUnwrap(wire)).isEqualTo(concat(a, b));
    }

    @Test
    void completesTheHandshakeWhenTheServerFlightArrivesAByteAtATime() throws Exception {
        TlsLoadChannel client = client("127.0.0.1");
        handshake(client, 1);
        assertThat(client.handshaking()).isFalse();
        assertThat(readAll(client, serverWrap("after the handshake\n".getBytes(UTF_8)), Integer.MAX_VALUE))
                .isEqualTo("after the handshake\n".getBytes(UTF_8));
    }

    @Test
    void decodesARecordSplitAtEveryByteBoundary() throws Exception {
        TlsLoadChannel client = client("127.0.0.1");
        handshake(client, Integer.MAX_VALUE);
        byte[] first = line(0);
        byte[] firstRecord = serverWrap(first); // every line has the same length, so every record too
        int length = firstRecord.length;
        assertThat(readAll(client, firstRecord, length)).isEqualTo(first);
        for (int cut = 1; cut < length; cut++) {
            byte[] expected = line(cut);
            byte[] record = serverWrap(expected);
            assertThat(record).hasSize(length);
            socket.deliver(Arrays.copyOfRange(record, 0, cut));
            plain.clear();
            assertThat(client.read(plain)).as("nothing before the record's last byte, cut at %d", cut).isZero();
            socket.deliver(Arrays.copyOfRange(record, cut, record.length));
            plain.clear();
            assertThat(client.read(plain)).as("cut at %d", cut).isEqualTo(expected.length);
            assertThat(bytes(plain)).isEqualTo(expected);
        }
    }

    @Test
    void decodesTheLargestRecordArrivingAByteAtATime() throws Exception {
        TlsLoadChannel client = client("127.0.0.1");
        handshake(client, Integer.MAX_VALUE);
        byte[] expected = "x".repeat(MAX_RECORD_PLAINTEXT - 1).concat("\n").getBytes(UTF_8);
        byte[] record = serverWrap(expected);
        for (int i = 0; i < record.length - 1; i++) {
            socket.deliver(new byte[] {record[i]});
            plain.clear();
            assertThat(client.read(plain)).isZero();
        }
        socket.deliver(new byte[] {record[record.length - 1]});
        plain.clear();
        assertThat(client.read(plain)).isEqualTo(expected.length);
        assertThat(bytes(plain)).isEqualTo(expected);
    }

    @Test
    void unwrapsEveryWholeRecordOfARead() throws Exception {
        TlsLoadChannel client = client("127.0.0.1");
        handshake(client, Integer.MAX_VALUE);
        byte[] r1 = serverWrap(line(1));
        byte[] r2 = serverWrap(line(2));
        byte[] r3 = serverWrap(line(3));
        byte[] r4 = serverWrap(line(4));
        socket.deliver(concat(r1, r2, r3, Arrays.copyOf(r4, 7)));
        plain.clear();
        assertThat(client.read(plain)).isEqualTo(3 * line(0).length);
        assertThat(bytes(plain)).isEqualTo(concat(line(1), line(2), line(3)));
        socket.deliver(Arrays.copyOfRange(r4, 7, r4.length));
        plain.clear();
        assertThat(client.read(plain)).isEqualTo(line(4).length);
        assertThat(bytes(plain)).isEqualTo(line(4));
    }

    @Test
    void readsAgainWhileAReadFillsItsBuffer() throws Exception {
        TlsLoadChannel client = client("127.0.0.1");
        handshake(client, Integer.MAX_VALUE);
        byte[] big = "y".repeat(MAX_RECORD_PLAINTEXT).getBytes(UTF_8);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (int i = 0; i < 10; i++) { // 160 KiB: more than the client's read side holds, less than the plaintext buffer
            wire.writeBytes(serverWrap(big));
        }
        assertThat(wire.size()).isGreaterThan(client.readCapacity());
        socket.deliver(wire.toByteArray());
        plain.clear();
        assertThat(client.read(plain)).isEqualTo(10 * big.length);
    }

    @Test
    void keepsWhatTheSocketDidNotTakeAndFlushesItLater() throws Exception {
        TlsLoadChannel client = client("127.0.0.1");
        handshake(client, Integer.MAX_VALUE);
        byte[] lines = "127.0.0.1:1:queued\n".repeat(200).getBytes(UTF_8);
        socket.writeBudget = 10;
        assertThat(client.write(new ByteBuffer[] {ByteBuffer.wrap(lines)}, 0, 1)).isEqualTo(lines.length);
        assertThat(client.hasPendingOutput()).isTrue();
        socket.writeBudget = 0;
        assertThat(client.flush()).as("still pending").isTrue();
        socket.writeBudget = Integer.MAX_VALUE;
        assertThat(client.flush()).as("still pending").isFalse();
        assertThat(serverUnwrap(socket.takeWritten())).isEqualTo(lines);
    }

    @Test
    void wrapsOnlyWhatFitsWhileTheSocketIsFull() throws Exception {
        TlsLoadChannel client = client("127.0.0.1"); // write side: one packet
        handshake(client, Integer.MAX_VALUE);
        byte[] lines = "z".repeat(40_000).getBytes(UTF_8);
        ByteBuffer src = ByteBuffer.wrap(lines);
        socket.writeBudget = 0;
        long consumed = client.write(new ByteBuffer[] {src}, 0, 1);
        assertThat(consumed).as("one record's worth").isEqualTo(MAX_RECORD_PLAINTEXT);
        socket.writeBudget = Integer.MAX_VALUE;
        consumed += client.write(new ByteBuffer[] {src}, 0, 1);
        assertThat(consumed).isEqualTo(lines.length);
        assertThat(serverUnwrap(socket.takeWritten())).isEqualTo(lines);
    }

    @Test
    void readsCloseNotifyAsClosed() throws Exception {
        TlsLoadChannel client = client("127.0.0.1");
        handshake(client, Integer.MAX_VALUE);
        server.closeOutbound();
        socket.deliver(serverWrap(new byte[0]));
        plain.clear();
        assertThat(client.read(plain)).isEqualTo(-1);
    }

    @Test
    void readsTheEndOfTheStreamAsClosed() throws Exception {
        TlsLoadChannel client = client("127.0.0.1");
        handshake(client, Integer.MAX_VALUE);
        socket.deliver(Arrays.copyOf(serverWrap(line(1)), 9)); // a partial record, then the end
        socket.eof = true;
        plain.clear();
        assertThat(client.read(plain)).as("the partial record").isZero();
        assertThat(client.read(plain)).as("the end, on the next readiness event").isEqualTo(-1);
    }

    @Test
    void failsAHandshakeTheServerCloses() throws Exception {
        TlsLoadChannel client = client("127.0.0.1");
        socket.eof = true;
        assertThatThrownBy(() -> client.handshake(plain)).isInstanceOf(IOException.class)
                .hasMessageContaining("closed during the TLS handshake");
    }

    @Test
    void checksTheServerCertificateAgainstTheHost() throws Exception {
        TlsLoadChannel client = client("127.0.0.2"); // the certificate names 127.0.0.1 and localhost only
        assertThatThrownBy(() -> handshake(client, Integer.MAX_VALUE)).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("127.0.0.2");
    }

    // --- the harness: a client channel over memory, the server engine driven by hand ---

    private TlsLoadChannel client(String host) throws IOException {
        return new TlsLoadChannel(socket, TlsLoadChannel.clientEngine(BenchTls.clientContext(),
                new InetSocketAddress(host, 4433)), LoadConnection.BULK_PACKETS, LoadConnection.CONTROL_PACKETS);
    }

    private static SSLEngine serverEngine() {
        SSLEngine engine = BenchTls.serverContext().createSSLEngine();
        engine.setUseClientMode(false);
        try {
            engine.beginHandshake();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return engine;
    }

    /**
     * Runs the handshake to its end, the server's bytes reaching the client {@code chunk} bytes per client
     * step, then lets the client read the server's session tickets.
     */
    private void handshake(TlsLoadChannel client, int chunk) throws IOException {
        ByteBuffer fromServer = ByteBuffer.allocate(1 << 16);
        fromServer.flip();
        boolean clientDone = false;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            if (!clientDone) {
                clientDone = client.handshake(plain);
            }
            toServer.put(socket.takeWritten());
            serverStep(fromServer);
            if (clientDone && !fromServer.hasRemaining() && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && socket.pendingForClient() == 0) {
                return;
            }
            int n = Math.min(chunk, fromServer.remaining());
            byte[] piece = new byte[n];
            fromServer.get(piece);
            socket.deliver(piece);
            if (clientDone) {
                plain.clear();
                assertThat(client.read(plain)).as("no data from the server").isZero();
            }
        }
        throw new AssertionError("handshake not done in " + MAX_ROUNDS + " rounds");
    }

    /** Lets the server engine do all it can with {@link #toServer}, appending what it sends to {@code out}. */
    private void serverStep(ByteBuffer out) throws IOException {
        ByteBuffer scratch = ByteBuffer.allocate(1 << 16);
        while (true) {
            HandshakeStatus s = server.getHandshakeStatus();
            if (s == HandshakeStatus.NEED_TASK) {
                Runnable t;
                while ((t = server.getDelegatedTask()) != null) {
                    t.run();
                }
            } else if (s == HandshakeStatus.NEED_WRAP) {
                ByteBuffer wire = ByteBuffer.allocate(1 << 16);
                server.wrap(ByteBuffer.allocate(0), wire);
                out.compact().put(wire.flip()).flip();
            } else if (s == HandshakeStatus.NEED_UNWRAP) {
                toServer.flip();
                SSLEngineResult r = server.unwrap(toServer, scratch);
                toServer.compact();
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    return;
                }
            } else {
                return;
            }
        }
    }

    /** One record from the server carrying {@code plaintext} (or its close_notify once its output is closed). */
    private byte[] serverWrap(byte[] plaintext) throws IOException {
        ByteBuffer wire = ByteBuffer.allocate(server.getSession().getPacketBufferSize());
        SSLEngineResult r = server.wrap(ByteBuffer.wrap(plaintext), wire);
        assertThat(r.bytesConsumed()).isEqualTo(plaintext.length);
        return bytes(wire);
    }

    /** The plaintext of every record in {@code wire}. */
    private byte[] serverUnwrap(byte[] wire) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(wire);
        ByteBuffer out = ByteBuffer.allocate(wire.length + 16 * 1024);
        for (int i = 0; in.hasRemaining() && i < MAX_ROUNDS; i++) {
            assertThat(server.unwrap(in, out).getStatus()).isEqualTo(SSLEngineResult.Status.OK);
        }
        return bytes(out);
    }

    /** Delivers {@code wire} in pieces of {@code chunk} bytes and returns every plaintext byte the client read. */
    private byte[] readAll(TlsLoadChannel client, byte[] wire, int chunk) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int at = 0; at < wire.length; at += chunk) {
            socket.deliver(Arrays.copyOfRange(wire, at, Math.min(wire.length, at + chunk)));
            plain.clear();
            int n = client.read(plain);
            assertThat(n).isNotNegative();
            got.writeBytes(bytes(plain));
        }
        return got.toByteArray();
    }

    /** A seed delivery line of fixed length carrying {@code n}. */
    private static byte[] line(int n) {
        return String.format("40000 账户对您说:%08x abcdefghijklmnopqrstuvwxyz \n", n).getBytes(UTF_8);
    }

    /** {@code b[0, position)}. */
    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.position()];
        b.duplicate().flip().get(out);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /**
     * A non-blocking channel in memory: reads return what the test delivered (0 when nothing is there, -1 after
     * {@link #eof}), writes take up to {@link #writeBudget} bytes in all and keep them for the test.
     */
    private static final class Memory implements ByteChannel {
        /** Bytes delivered to the client, not yet read: {@code [position, limit)}. */
        private ByteBuffer forClient = ByteBuffer.allocate(0);
        /** Bytes the client wrote, not yet taken by the test. */
        private final ByteArrayOutputStream written = new ByteArrayOutputStream();
        /** Bytes writes may still take; a write beyond it takes part or nothing, as a full socket. */
        int writeBudget = Integer.MAX_VALUE;
        /** Reads return -1 once nothing is left to read. */
        boolean eof;

        void deliver(byte[] bytes) {
            ByteBuffer b = ByteBuffer.allocate(forClient.remaining() + bytes.length);
            b.put(forClient).put(bytes).flip();
            forClient = b;
        }

        int pendingForClient() {
            return forClient.remaining();
        }

        byte[] takeWritten() {
            byte[] b = written.toByteArray();
            written.reset();
            return b;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!forClient.hasRemaining()) {
                return eof ? -1 : 0;
            }
            int n = Math.min(dst.remaining(), forClient.remaining());
            ByteBuffer piece = forClient.slice().limit(n);
            dst.put(piece);
            forClient.position(forClient.position() + n);
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(src.remaining(), writeBudget);
            byte[] b = new byte[n];
            src.get(b);
            written.writeBytes(b);
            if (writeBudget != Integer.MAX_VALUE) {
                writeBudget -= n;
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
