package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * The stamp every load message carries at {@link #OFFSET} of its MESSAGE: the sender's index in
 * {@link #SENDER_DIGITS} lowercase hex digits, then its per-sender sequence number (from 0, the low 32 bits)
 * in {@link #SEQUENCE_DIGITS} lowercase hex digits. Fixed width, so every line of a sender has the same
 * length, and ordinary MESSAGE bytes, so the servers see nothing new. The receivers check it on every line
 * ({@link LineChecker}); the senders patch the sequence digits in place ({@link LoadSender}).
 *
 * <p>The digits are handled as big-endian words (4 digits in an {@code int}, 8 in a {@code long}, first
 * digit in the most significant byte), so a check is one {@code getInt} and one {@code getLong} of a
 * big-endian buffer against {@link #hex4} and {@link #hex8}.
 *
 * <p>Threading: stateless; every method is safe from any thread.
 */
final class MessageStamp {

    /** Where the stamp starts in MESSAGE (the payload's first bytes are replaced by it). */
    static final int OFFSET = 0;
    /** Hex digits of the sender index. */
    static final int SENDER_DIGITS = 4;
    /** Hex digits of the sequence number. */
    static final int SEQUENCE_DIGITS = 8;
    /** Stamp length in bytes: the smallest payload the driver accepts. */
    static final int LENGTH = SENDER_DIGITS + SEQUENCE_DIGITS;
    /** Senders one scenario may have: sender indexes fit {@link #SENDER_DIGITS} digits. */
    static final int MAX_SENDERS = 1 << 4 * SENDER_DIGITS;

    private static final long LOW_NIBBLES = 0x0F0F_0F0F_0F0F_0F0FL;
    private static final long ONES = 0x0101_0101_0101_0101L;

    private MessageStamp() {
    }

    /** The 8 ASCII hex digits of {@code value} (unsigned), most significant first, as a big-endian word. */
    static long hex8(int value) {
        long x = value & 0xFFFF_FFFFL;
        // Spread the eight nibbles into the low halves of eight bytes, nibble k into byte k.
        x = (x | x << 16) & 0x0000_FFFF_0000_FFFFL;
        x = (x | x << 8) & 0x00FF_00FF_00FF_00FFL;
        x = (x | x << 4) & LOW_NIBBLES;
        // Byte d (0..15) becomes '0' + d, plus 'a' - '0' - 10 where d >= 10 (d + 6 carries into bit 4).
        long letters = (x + 6 * ONES) >>> 4 & ONES;
        return x + '0' * ONES + letters * ('a' - '0' - 10);
    }

    /** The 4 ASCII hex digits of {@code value & 0xFFFF}, most significant first, as a big-endian word. */
    static int hex4(int value) {
        return (int) hex8(value & 0xFFFF);
    }

    /** Writes the stamp of ({@code sender}, {@code sequence}) into {@code dst} at {@code at}. */
    static void put(byte[] dst, int at, int sender, long sequence) {
        putWord(dst, at, hex4(sender), SENDER_DIGITS);
        putWord(dst, at + SENDER_DIGITS, hex8((int) sequence), SEQUENCE_DIGITS);
    }

    /** The stamp of ({@code sender}, {@code sequence}) as text, as it appears in a line. */
    static String stampText(int sender, long sequence) {
        byte[] b = new byte[LENGTH];
        put(b, 0, sender, sequence);
        return new String(b, US_ASCII);
    }

    /** The digits of a big-endian word of {@code count} bytes as text (for messages; any byte shown as is). */
    static String wordText(long word, int count) {
        byte[] b = new byte[count];
        putWord(b, 0, word, count);
        return new String(b, US_ASCII);
    }

    /** The value of a big-endian word of {@code count} hex digits, or -1 if one is not a lowercase hex digit. */
    static long parse(long word, int count) {
        long value = 0;
        for (int shift = 8 * (count - 1); shift >= 0; shift -= 8) {
            int c = (int) (word >>> shift) & 0xFF;
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) {
                return -1;
            }
            value = value << 4 | d;
        }
        return value;
    }

    private static void putWord(byte[] dst, int at, long word, int count) {
        for (int i = 0; i < count; i++) {
            dst[at + i] = (byte) (word >>> 8 * (count - 1 - i));
        }
    }
}
