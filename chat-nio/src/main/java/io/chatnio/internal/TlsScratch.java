package io.chatnio.internal;

import java.nio.ByteBuffer;

/**
 * One loop's TLS scratch buffers: ciphertext passes through them on its way between a socket and an engine,
 * so that a connection holds a buffer only while it has part of a record, or ciphertext the socket did not
 * take; those it holds come from a pool here. Each is used within one call and left with no state.
 *
 * <p>All are heap buffers, and plaintext goes through {@link #plainIn} and {@link #plainOut} on its way
 * between the engine and the loop's direct buffers: the JDK's AES-GCM allocates temporary arrays for every
 * record whose input or output is a direct buffer (over half of what a TLS connection allocated per
 * message), and works in place on arrays. The price is a copy of each record's plaintext, and the socket
 * read or write copying through the JDK's cached per-thread direct buffer; both are small beside the cipher.
 *
 * <p><b>Threading.</b> Loop thread only.
 */
final class TlsScratch {
    /** Ciphertext read from a socket, before unwrapping; or null until first needed. */
    private ByteBuffer in;
    /** Records wrapped from application data, before writing. */
    private ByteBuffer out;
    /** A control record (alert, key update, ticket) wrapped outside a write. */
    private ByteBuffer control;
    /** Plaintext of one record on its way to the loop's read buffer. */
    private ByteBuffer plainIn;
    /** Plaintext of one record gathered from a connection's queue, before wrapping. */
    private ByteBuffer plainOut;
    /** Plaintext unwrapped during a handshake (normally none). */
    private ByteBuffer handshake;
    /**
     * Heap buffers a connection holds between calls (part of a record read, ciphertext the socket did not
     * take), pooled because under load most reads end inside a record: a buffer per read would be garbage.
     */
    private final PartialPool held = new PartialPool(256 * 1024, 1 << 20);

    /** The inbound scratch buffer, at least {@code size} bytes. */
    ByteBuffer in(int size) {
        if (in == null || in.capacity() < size) {
            in = ByteBuffer.allocate(Math.max(size, 64 * 1024));
        }
        return in;
    }

    /** The outbound scratch buffer, at least {@code size} bytes. */
    ByteBuffer out(int size) {
        if (out == null || out.capacity() < size) {
            out = ByteBuffer.allocate(size);
        }
        return out;
    }

    /** The control-record scratch buffer, at least {@code size} bytes. */
    ByteBuffer control(int size) {
        if (control == null || control.capacity() < size) {
            control = ByteBuffer.allocate(size);
        }
        return control;
    }

    /** The inbound plaintext scratch buffer, at least {@code size} bytes. */
    ByteBuffer plainIn(int size) {
        if (plainIn == null || plainIn.capacity() < size) {
            plainIn = ByteBuffer.allocate(size);
        }
        return plainIn;
    }

    /** The outbound plaintext scratch buffer, at least {@code size} bytes. */
    ByteBuffer plainOut(int size) {
        if (plainOut == null || plainOut.capacity() < size) {
            plainOut = ByteBuffer.allocate(size);
        }
        return plainOut;
    }

    /** A cleared buffer of at least {@code size} bytes for a connection to hold; give it back with {@link #release}. */
    ByteBuffer hold(int size) {
        return held.take(size);
    }

    /** Takes back a buffer from {@link #hold}; its holder must not use it any more. */
    void release(ByteBuffer b) {
        held.release(b);
    }

    /** Where a handshake unwraps to, at least {@code size} bytes. */
    ByteBuffer handshake(int size) {
        if (handshake == null || handshake.capacity() < size) {
            handshake = ByteBuffer.allocate(size);
        }
        return handshake;
    }
}
