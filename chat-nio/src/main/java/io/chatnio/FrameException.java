package io.chatnio;

import java.io.IOException;

/**
 * Inbound bytes that cannot form a valid frame. Thrown by a {@link FrameDecoder}; the reactor logs it,
 * counts it as a protocol error and closes only the offending connection.
 */
public class FrameException extends IOException {
    private static final long serialVersionUID = 1L;

    public FrameException(String message) {
        super(message);
    }

    /** A frame longer than the codec's configured maximum. The excess bytes are never buffered. */
    public static final class TooLong extends FrameException {
        private static final long serialVersionUID = 1L;

        private final int maxLength;

        public TooLong(int maxLength, long seen) {
            super("frame longer than " + maxLength + " bytes (" + seen + " bytes without an end)");
            this.maxLength = maxLength;
        }

        /** The configured maximum payload length in bytes. */
        public int maxLength() {
            return maxLength;
        }
    }
}
