package io.chatnio;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Well-behaved peers for the abrupt-disconnect and soak tests: a client that writes numbered lines of varying,
 * checkable length to a partner until told to stop and then announces how many it sent, and a reader that checks
 * what arrives from its partner is exactly that sequence, in order, with nothing lost or mangled.
 */
final class FlowPeers {
    private FlowPeers() {
    }

    /** The body of line {@code seq} of {@code stream}: "stream seq " then a seq-dependent run of letters. */
    static String body(String stream, long seq) {
        int padding = (int) ((seq * 7919 + stream.hashCode()) & 0xFF); // 0..255, varies line to line
        StringBuilder sb = new StringBuilder(stream.length() + 24 + padding).append(stream).append(' ').append(seq)
                .append(' ');
        for (int i = 0; i < padding; i++) {
            sb.append((char) ('a' + (seq + i) % 26));
        }
        return sb.toString();
    }

    /** The last line of a stream: "stream end COUNT". */
    static String end(String stream, long count) {
        return stream + " end " + count;
    }

    /** Writes {@link #body} lines to a partner until {@link #stop}, then the {@link #end} line. */
    static final class Writer implements Runnable {
        final TestClient client;
        final String prefix;
        final String stream;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong sent = new AtomicLong();
        /** Lines per write call, to mix small and batched writes. */
        private final int batch;
        volatile Throwable error;

        Writer(TestClient client, String addressPrefix, String stream, int batch) {
            this.client = client;
            this.prefix = addressPrefix;
            this.stream = stream;
            this.batch = batch;
        }

        @Override
        public void run() {
            try {
                long seq = 0;
                StringBuilder sb = new StringBuilder();
                while (!stop.get()) {
                    sb.setLength(0);
                    for (int i = 0; i < batch; i++) {
                        sb.append(prefix).append(body(stream, seq++)).append('\n');
                    }
                    client.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
                    sent.set(seq);
                }
                client.writeLine(prefix + end(stream, seq));
            } catch (Throwable t) {
                error = t;
            }
        }
    }

    /**
     * Reads a client's lines and checks they are exactly stream {@code expected}'s lines 0, 1, 2, ... then its
     * end line with the right count. Anything else is recorded in {@link #problems}.
     */
    static final class Checker implements Runnable {
        final TestClient client;
        final String expected;
        final AtomicLong received = new AtomicLong();
        final AtomicBoolean ended = new AtomicBoolean();
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

        Checker(TestClient client, String expectedStream) {
            this.client = client;
            this.expected = expectedStream;
        }

        @Override
        public void run() {
            long next = 0;
            try {
                String line;
                while ((line = client.readLine()) != null) {
                    if (line.equals(end(expected, next))) {
                        ended.set(true);
                        return;
                    }
                    if (!line.equals(body(expected, next))) {
                        problems.add("expected line " + next + " of " + expected + ", got: "
                                + (line.length() > 80 ? line.substring(0, 80) + "..." : line));
                        return;
                    }
                    received.set(++next);
                }
                problems.add("end of stream after " + next + " lines of " + expected);
            } catch (Throwable t) {
                problems.add("read failed after " + next + " lines of " + expected + ": " + t);
            }
        }
    }
}
