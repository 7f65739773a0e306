package io.chatnio.examples.irc;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Cutting text to a byte budget without splitting a UTF-8 character, and checking that bytes are UTF-8. Texts
 * are relayed as the bytes the client sent (the server decodes none of them), so a cut may only move back
 * over continuation bytes. Stateless; any thread.
 */
final class Utf8 {
    private Utf8() {
    }

    /**
     * The end of the longest prefix of {@code b[from, to)} that has at most {@code max} bytes and does not end
     * inside a UTF-8 character: {@code to} itself if the range fits.
     */
    static int cut(ByteBuffer b, int from, int to, int max) {
        if (to - from <= max) {
            return to;
        }
        int end = from + Math.max(0, max);
        while (end > from && (b.get(end) & 0xC0) == 0x80) { // b[end] would be the first byte left out
            end--;
        }
        return end;
    }

    /** {@link #cut(ByteBuffer, int, int, int)} of a whole array: its new length. */
    static int cut(byte[] b, int max) {
        return cut(ByteBuffer.wrap(b), 0, b.length, max);
    }

    /** {@code b} cut to at most {@code max} bytes at a character boundary; {@code b} itself if it fits. */
    static byte[] truncate(byte[] b, int max) {
        int n = cut(b, max);
        return n == b.length ? b : java.util.Arrays.copyOf(b, n);
    }

    /** Whether {@code b} is well-formed UTF-8. */
    static boolean isValid(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
