package io.chatnio.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A process's stdout cut into lines ({@code "\n"} kept) by a daemon thread, so that every read of a line can
 * time out instead of blocking a test. The reader thread ends with the stream; {@link #poll} may be called
 * from any one thread.
 */
public final class StdoutLines {
    private final BlockingQueue<byte[]> lines = new LinkedBlockingQueue<>();

    public StdoutLines(InputStream in, String threadName) {
        Thread t = new Thread(() -> {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try (in) {
                for (int b; (b = in.read()) >= 0; ) {
                    line.write(b);
                    if (b == '\n') {
                        lines.add(line.toByteArray());
                        line.reset();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
    }

    /** The next whole line, or null if none arrives within {@code seconds}. */
    public byte[] poll(long seconds) throws InterruptedException {
        return lines.poll(seconds, TimeUnit.SECONDS);
    }
}
