package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link IrcLineChecker} fed directly, cut in every way reads can cut a stream: the setup lines before the
 * expectation, a PING between message lines, a cut at every offset, random pieces; and the faults it must
 * catch (a missing, duplicated or foreign line, a wrong byte in a line compared in full, a wrong length).
 */
class IrcLineCheckerTest {

    private static final int SENDER = 3;
    private static final int PAYLOAD = 40;
    private static final String HEAD = ":s3!~bench@127.0.0.1 PRIVMSG r3 :";
    private static final int STAMP_AT = HEAD.length();
    private static final String SETUP = ":irc.local 001 r3 :Welcome\r\n:irc.local 376 r3 :End of /MOTD command.\r\n";
    private static final String PING = "PING :irc.local\r\n";

    /** Message line {@code sequence} of {@code sender}, as the server delivers it. */
    private static byte[] line(int sender, long sequence) {
        byte[] message = LoadDriver.message(sender, sequence, PAYLOAD);
        return (HEAD + new String(message, UTF_8) + "\r\n").getBytes(UTF_8);
    }

    /** Records the lines handed to the listener; expects message lines once it saw the 376. */
    private static final class Recorder implements IrcLineChecker.Listener {
        final List<String> lines = new ArrayList<>();
        IrcLineChecker checker;

        @Override
        public void onLine(byte[] line, int length) {
            String text = new String(line, 0, length, UTF_8);
            lines.add(text);
            if (text.contains(" 376 ")) {
                checker.expect(line(SENDER, 0), STAMP_AT, SENDER);
            }
        }
    }

    private static Recorder recorder() {
        Recorder r = new Recorder();
        r.checker = new IrcLineChecker("test", r);
        return r;
    }

    /** The setup lines, then message lines 0 to {@code count - 1}, a PING after every {@code pingEvery}th. */
    private static byte[] stream(int count, int pingEvery) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SETUP.getBytes(UTF_8));
        for (int i = 0; i < count; i++) {
            out.writeBytes(line(SENDER, i));
            if (pingEvery > 0 && i % pingEvery == pingEvery - 1) {
                out.writeBytes(PING.getBytes(UTF_8));
            }
        }
        return out.toByteArray();
    }

    /** The read buffer every feed reuses, direct and big-endian as the driver's. */
    private final ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);

    /** Feeds {@code stream} cut at {@code cuts} (ascending offsets), each piece at a different buffer index. */
    private void feed(IrcLineChecker checker, byte[] stream, int... cuts) throws IOException {
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int to = k < cuts.length ? cuts[k] : stream.length;
            int at = k % 7; // pieces need not start at index 0
            buf.clear();
            buf.put(at, stream, from, to - from);
            checker.accept(buf, at, at + to - from);
            from = to;
        }
    }

    @Test
    void countsMessageLinesAndHandsOverTheRestInOnePiece() throws IOException {
        Recorder r = recorder();
        feed(r.checker, stream(200, 50));
        assertThat(r.checker.lines()).isEqualTo(200);
        assertThat(r.lines).hasSize(2 + 4);
        assertThat(r.lines.subList(2, 6)).containsOnly(PING);
        assertThat(r.checker.firstLine()).isEqualTo(line(SENDER, 0));
    }

    @Test
    void aCutAtEveryOffsetChangesNothing() throws IOException {
        byte[] stream = stream(140, 7);
        for (int cut = 1; cut < stream.length; cut++) {
            Recorder r = recorder();
            feed(r.checker, stream, cut);
            assertThat(r.checker.lines()).as("cut at %d", cut).isEqualTo(140);
            assertThat(r.lines).as("cut at %d", cut).hasSize(2 + 20);
        }
    }

    @Test
    void oneByteAtATimeAndRandomPiecesChangeNothing() throws IOException {
        byte[] stream = stream(300, 13);
        int[] bytes = new int[stream.length - 1];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = i + 1;
        }
        Recorder single = recorder();
        feed(single.checker, stream, bytes);
        assertThat(single.checker.lines()).isEqualTo(300);
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 50; round++) {
            List<Integer> cuts = new ArrayList<>();
            for (int at = random.nextInt(1, 200); at < stream.length; at += random.nextInt(1, 200)) {
                cuts.add(at);
            }
            Recorder r = recorder();
            feed(r.checker, stream, cuts.stream().mapToInt(Integer::intValue).toArray());
            assertThat(r.checker.lines()).as("round %d", round).isEqualTo(300);
            assertThat(r.lines).as("round %d", round).hasSize(2 + 23);
        }
    }

    @Test
    void aMissingLineFails() {
        byte[] stream = streamWith(100, 70, null);
        assertThatThrownBy(() -> feed(recorder().checker, stream, stream.length / 2))
                .isInstanceOf(IOException.class).hasMessageContaining("message line 70").hasMessageContaining(
                        "lines missing");
    }

    @Test
    void aDuplicatedLineFails() {
        byte[] stream = streamWith(100, 70, line(SENDER, 69));
        assertThatThrownBy(() -> feed(recorder().checker, stream))
                .isInstanceOf(IOException.class).hasMessageContaining("duplicated or out of order");
    }

    @Test
    void aLineOfAnotherSenderFails() {
        byte[] stream = streamWith(100, 10, line(SENDER + 1, 10));
        assertThatThrownBy(() -> feed(recorder().checker, stream))
                .isInstanceOf(IOException.class).hasMessageContaining("another sender");
    }

    @Test
    void aWrongByteInALineComparedInFullFails() {
        byte[] bad = line(SENDER, 64);
        bad[bad.length - 5] = 'Z';
        byte[] stream = streamWith(100, 64, bad);
        assertThatThrownBy(() -> feed(recorder().checker, stream))
                .isInstanceOf(IOException.class).hasMessageContaining("message line 64 byte " + (bad.length - 5));
    }

    @Test
    void aLineOfTheWrongLengthFails() {
        String longer = new String(line(SENDER, 30), UTF_8).replace("\r\n", "x\r\n");
        byte[] stream = streamWith(100, 30, longer.getBytes(UTF_8));
        assertThatThrownBy(() -> feed(recorder().checker, stream))
                .isInstanceOf(IOException.class).hasMessageContaining("message line 30 expected");
    }

    @Test
    void whatTheListenerThrowsFailsTheFeed() {
        IrcLineChecker checker = new IrcLineChecker("test", (line, length) -> {
            throw new IOException("refused " + new String(line, 0, length, UTF_8).trim());
        });
        assertThatThrownBy(() -> feed(checker, PING.getBytes(UTF_8), 3))
                .isInstanceOf(IOException.class).hasMessage("refused PING :irc.local");
    }

    /** {@link #stream} without PINGs, message line {@code victim} replaced by {@code replacement} (null: left out). */
    private static byte[] streamWith(int count, int victim, byte[] replacement) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SETUP.getBytes(UTF_8));
        for (int i = 0; i < count; i++) {
            if (i != victim) {
                out.writeBytes(line(SENDER, i));
            } else if (replacement != null) {
                out.writeBytes(replacement);
            }
        }
        return out.toByteArray();
    }
}
