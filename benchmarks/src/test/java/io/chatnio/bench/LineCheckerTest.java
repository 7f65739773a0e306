package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * {@link LineChecker} fed directly, in every way reads can cut a stream: one byte at a time, many lines per
 * piece, a cut at every offset, random pieces; and each kind of fault it must catch. The expected lines are
 * spelled out here (stamp: 4 + 8 lowercase hex digits at the start of MESSAGE).
 */
class LineCheckerTest {

    private static final int SENDER = 2;
    private static final int PAYLOAD = 40;
    private static final String PREFIX = "50123 账户对您说:";
    private static final byte[] CONFIRMATION = "40321 账户对您说:ready \n".getBytes(UTF_8);
    private static final int STAMP_AT = PREFIX.getBytes(UTF_8).length;

    /** Message line {@code sequence} of {@code sender}, as a server delivers it. */
    private static byte[] line(int sender, long sequence) {
        String filler = new String(LoadDriver.payload(PAYLOAD), UTF_8).substring(12);
        return (PREFIX + String.format("%04x%08x", sender, sequence) + filler + " \n").getBytes(UTF_8);
    }

    private static LineChecker checker() {
        return new LineChecker("test", CONFIRMATION, line(SENDER, 0), STAMP_AT, SENDER);
    }

    /** The confirmation then lines 0 to {@code count - 1} of {@link #SENDER}, each passed through {@code fault}. */
    private static byte[] stream(int count, LineFault fault) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(CONFIRMATION);
        for (int i = 0; i < count; i++) {
            for (byte[] l : fault.apply(i, line(SENDER, i))) {
                out.writeBytes(l);
            }
        }
        return out.toByteArray();
    }

    private static byte[] stream(int count) {
        return stream(count, (i, l) -> List.of(l));
    }

    /** What a faulty server delivers instead of line {@code i}. */
    private interface LineFault {
        List<byte[]> apply(int i, byte[] line);
    }

    private static LineFault at(int victim, UnaryOperator<byte[]> change) {
        return (i, l) -> i == victim ? List.of(change.apply(l)) : List.of(l);
    }

    /** Feeds {@code stream} cut at {@code cuts} (ascending offsets), each piece at a different buffer index. */
    private static LineChecker feed(LineChecker checker, byte[] stream, int... cuts) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(stream.length + 16);
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int to = k < cuts.length ? cuts[k] : stream.length;
            int at = k % 7; // pieces need not start at index 0
            buf.clear();
            buf.put(at, stream, from, to - from);
            checker.accept(buf, at, at + to - from);
            from = to;
        }
        return checker;
    }

    private static int[] every(int step, int length) {
        int[] cuts = new int[(length - 1) / step];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = (i + 1) * step;
        }
        return cuts;
    }

    private static int[] random(SplittableRandom random, int length, int maxPiece) {
        List<Integer> cuts = new ArrayList<>();
        for (int at = 1 + random.nextInt(maxPiece); at < length; at += 1 + random.nextInt(maxPiece)) {
            cuts.add(at);
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void assertAccepted(LineChecker checker, int lines) {
        assertThat(checker.confirmed()).isTrue();
        assertThat(checker.lines()).isEqualTo(lines);
        assertThat(checker.firstLine()).isEqualTo(line(SENDER, 0));
    }

    @Test
    void acceptsOneByteAtATime() throws IOException {
        byte[] stream = stream(200);
        assertAccepted(feed(checker(), stream, every(1, stream.length)), 200);
    }

    @Test
    void acceptsManyLinesPerPiece() throws IOException {
        byte[] stream = stream(1000);
        assertAccepted(feed(checker(), stream), 1000);
        assertAccepted(feed(checker(), stream, every(4096, stream.length)), 1000);
        assertAccepted(feed(checker(), stream, every(line(SENDER, 0).length, stream.length)), 1000); // cut at line ends
    }

    @Test
    void acceptsTheStreamCutAtEveryOffset() throws IOException {
        byte[] stream = stream(2 * LineChecker.FULL_CHECK_INTERVAL + 3); // lines 0, 64 and 128 compared in full
        for (int cut = 0; cut <= stream.length; cut++) {
            assertAccepted(feed(checker(), stream, cut), 2 * LineChecker.FULL_CHECK_INTERVAL + 3);
        }
    }

    @Test
    void acceptsRandomPieces() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        byte[] stream = stream(300);
        for (int round = 0; round < 200; round++) {
            assertAccepted(feed(checker(), stream, random(random, stream.length, 1 + random.nextInt(200))), 300);
        }
    }

    @Test
    void countsOnlyCompleteLines() throws IOException {
        byte[] stream = stream(3);
        int confirmation = CONFIRMATION.length;
        int length = line(SENDER, 0).length;
        LineChecker checker = checker();
        ByteBuffer buf = ByteBuffer.allocateDirect(stream.length);
        buf.put(0, stream, 0, confirmation - 1);
        checker.accept(buf, 0, confirmation - 1);
        assertThat(checker.confirmed()).isFalse();
        buf.clear().put(0, stream, confirmation - 1, length);
        checker.accept(buf, 0, length);
        assertThat(checker.confirmed()).isTrue();
        assertThat(checker.lines()).isZero();
        assertThat(checker.firstLine()).isNull();
        buf.clear().put(0, stream, confirmation + length - 1, 1);
        checker.accept(buf, 0, 1);
        assertThat(checker.lines()).isEqualTo(1);
        assertThat(checker.firstLine()).isEqualTo(line(SENDER, 0));
        buf.clear().put(0, stream, confirmation + length, 2 * length);
        checker.accept(buf, 0, 2 * length);
        assertThat(checker.lines()).isEqualTo(3);
    }

    // ---------------------------------------------------------------- faults

    /** Feeds {@code stream} whole, a byte at a time, cut at every offset and in random pieces: each must fail so. */
    private static void assertRejected(byte[] stream, String... messageParts) {
        List<int[]> cutsList = new ArrayList<>();
        cutsList.add(new int[0]);
        cutsList.add(every(1, stream.length));
        for (int cut = 1; cut < stream.length; cut++) {
            cutsList.add(new int[] {cut});
        }
        SplittableRandom random = new SplittableRandom(11);
        for (int round = 0; round < 50; round++) {
            cutsList.add(random(random, stream.length, 1 + random.nextInt(100)));
        }
        for (int[] cuts : cutsList) {
            assertThatThrownBy(() -> feed(checker(), stream, cuts))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("receiver test: ")
                    .hasMessageContainingAll(messageParts);
        }
    }

    @Test
    void rejectsAWrongConfirmation() {
        byte[] stream = stream(2);
        stream[3] = '9';
        assertRejected(stream, "expected \"40321 账户对您说:ready \n\" but got \"4039");
    }

    @Test
    void rejectsAPayloadByteCorruptedOnALineComparedInFull() {
        int victim = LineChecker.FULL_CHECK_INTERVAL;
        int middle = STAMP_AT + PAYLOAD / 2;
        byte[] stream = stream(victim + 2, at(victim, l -> {
            l[middle] = 'Z';
            return l;
        }));
        assertRejected(stream, "line " + victim + " byte " + middle + " expected", "but got " + (int) 'Z');
    }

    @Test
    void comparesOtherLinesOnlyAtTheStampAndTheLineEnd() throws IOException {
        // The price of not reading every byte: a payload byte corrupted on a line not compared in full passes.
        int middle = STAMP_AT + PAYLOAD / 2;
        byte[] stream = stream(100, at(65, l -> {
            l[middle] = 'Z';
            return l;
        }));
        assertAccepted(feed(checker(), stream), 100);
    }

    @Test
    void rejectsAMissingLine() {
        byte[] stream = stream(20, (i, l) -> i == 10 ? List.of() : List.of(l));
        assertRejected(stream, "line 10: expected stamp 00020000000a (sender 2, sequence 10) but got 00020000000b"
                + " (sender 2, sequence 11): lines missing");
    }

    @Test
    void rejectsADuplicatedLine() {
        byte[] stream = stream(20, (i, l) -> i == 10 ? List.of(l, l) : List.of(l));
        assertRejected(stream, "line 11: expected stamp 00020000000b (sender 2, sequence 11) but got 00020000000a"
                + " (sender 2, sequence 10): a line duplicated or out of order");
    }

    @Test
    void rejectsALineFromAnotherSender() {
        byte[] stream = stream(20, at(7, l -> line(5, 7)));
        assertRejected(stream, "line 7: expected stamp 000200000007 (sender 2, sequence 7) but got 000500000007"
                + " (sender 5, sequence 7): a line from another sender");
    }

    @Test
    void rejectsAStampThatIsNotHex() {
        byte[] stream = stream(20, at(9, l -> {
            l[STAMP_AT + 11] = 'g';
            return l;
        }));
        assertRejected(stream, "line 9: expected stamp 000200000009", "but got 00020000000g", "not a sequence number");
    }

    @Test
    void rejectsAMissingLineFeed() {
        byte[] stream = stream(20, at(3, l -> {
            l[l.length - 1] = 'x';
            return l;
        }));
        assertRejected(stream, "line 3 (lines are " + line(SENDER, 0).length + " bytes) expected a line feed at its end"
                + " but got byte " + (int) 'x');
    }

    @Test
    void rejectsALineOfAnotherLength() {
        byte[] stream = stream(20, at(3, l -> {
            byte[] shorter = new byte[l.length - 1];
            System.arraycopy(l, 0, shorter, 0, STAMP_AT + 20);
            System.arraycopy(l, STAMP_AT + 21, shorter, STAMP_AT + 20, l.length - STAMP_AT - 21);
            return shorter;
        }));
        assertRejected(stream, "line 3 (lines are", "expected a line feed");
    }

    @Test
    void refusesALittleEndianBuffer() {
        ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> checker().accept(buf, 0, 8)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- the stamp

    @Test
    void encodesAndParsesTheStampDigits() {
        SplittableRandom random = new SplittableRandom(3);
        for (int round = 0; round < 10_000; round++) {
            int v = round < 20 ? new int[] {0, 1, 9, 10, 15, 16, 255, 0xabcdef, -1, Integer.MIN_VALUE,
                    Integer.MAX_VALUE, 0x10, 0xa0a0a0a0, 0x09090909, 0xf, 0xff, 0xfff, 0xffff, 0x12345678,
                    0x9abcdef0}[round] : random.nextInt();
            String hex = String.format("%08x", v);
            assertThat(MessageStamp.wordText(MessageStamp.hex8(v), 8)).isEqualTo(hex);
            assertThat(MessageStamp.parse(MessageStamp.hex8(v), 8)).isEqualTo(v & 0xFFFF_FFFFL);
            assertThat(MessageStamp.wordText(MessageStamp.hex4(v), 4)).isEqualTo(hex.substring(4));
        }
        assertThat(MessageStamp.stampText(3, 31)).isEqualTo("00030000001f");
        assertThat(MessageStamp.parse(MessageStamp.hex8(0x1234) & ~0xFFL | 'G', 8)).isEqualTo(-1);
    }
}
