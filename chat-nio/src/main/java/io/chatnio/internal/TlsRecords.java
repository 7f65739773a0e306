package io.chatnio.internal;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLException;

/**
 * The TLS record header, checked before a record's body is buffered: 1 byte of content type (20 to 24), 2 of
 * version (major 3), 2 of length. Bytes that are not TLS (a plain-text client, garbage) and records longer than
 * the engine's packet size are refused at the first five bytes.
 *
 * <p><b>Threading.</b> Stateless; called on loop threads.
 */
final class TlsRecords {
    /** Bytes of a record header. */
    static final int HEADER = 5;

    private TlsRecords() {
    }

    /**
     * Whether {@code in[position, limit)} starts with a whole record.
     *
     * @throws SSLException if its header is not a TLS record's, or announces more than {@code packetSize} bytes
     */
    static boolean complete(ByteBuffer in, int packetSize) throws SSLException {
        int p = in.position();
        int available = in.remaining();
        if (available < 1) {
            return false;
        }
        int type = in.get(p) & 0xFF;
        if (type < 20 || type > 24 || (available > 1 && in.get(p + 1) != 3)) {
            throw new SSLException("not TLS: first bytes " + hex(in, p, Math.min(available, 8)));
        }
        if (available < HEADER) {
            return false;
        }
        int length = ((in.get(p + 3) & 0xFF) << 8) | (in.get(p + 4) & 0xFF);
        if (length > packetSize - HEADER) {
            throw new SSLException("TLS record of " + length + " bytes, more than " + (packetSize - HEADER));
        }
        return available >= HEADER + length;
    }

    /** {@link #complete}, with a bad header counting as complete (the next unwrap reports it). */
    static boolean completeOrBad(ByteBuffer in, int packetSize) {
        try {
            return complete(in, packetSize);
        } catch (SSLException e) {
            return true;
        }
    }

    /** The bytes as hex, with their ASCII in quotes when printable: {@code 47 45 54 20 ("GET ")}. */
    static String hex(ByteBuffer b, int from, int n) {
        StringBuilder sb = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int v = b.get(from + i) & 0xFF;
            sb.append(i == 0 ? "" : " ").append(Character.forDigit(v >> 4, 16)).append(Character.forDigit(v & 15, 16));
            text.append(v >= 0x20 && v < 0x7F ? (char) v : '.');
        }
        return sb.append(" (\"").append(text).append("\")").toString();
    }
}
