package io.chatnio.bench.micro;

import io.chatnio.Connection;
import io.chatnio.FrameCodec;
import io.chatnio.Handler;
import io.chatnio.MessageWriter;
import io.chatnio.Reactor;
import io.chatnio.bench.LoadDriver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Outbound path through the public API: queue {@link #MESSAGES} line frames of {@link #PAYLOAD} bytes to one
 * connection and write them with the reactor's gathering writes, until the peer has read every byte.
 * Score = <b>ns per message</b>, end to end: encoding into the outbound queue, the writes, and the loopback
 * TCP stack (the peer, a {@link Sink}, reads and discards on its own thread as fast as it can).
 *
 * <p>A trigger connection sends one line ({@code g}); the handler then queues the burst to the sink's
 * connection from inside {@code onMessage}, and the invocation ends when the sink has read all
 * {@code MESSAGES * 65} bytes. The trigger costs one small write and one loop pass per invocation, amortised
 * over the burst. Watermarks are raised to 2/4 MiB so that the ~650 KB burst never reaches them: this measures
 * the write path, not flow control.
 *
 * <ul>
 *   <li>{@code message}: {@code sink.message().put(payload).send()}: in-place encoding, the payload bytes
 *       copied once, straight into the pooled outbound chunks.</li>
 *   <li>{@code send}: {@code sink.send(ByteBuffer)} on the loop thread (a heap buffer, rewound each time): the
 *       copy-in API; on the loop thread it encodes at once.</li>
 *   <li>{@code send-offloop}: {@code sink.send(ByteBuffer)} called by the benchmark thread itself (no trigger):
 *       the any-thread path, which copies each payload into a new array and enqueues one loop task per
 *       message.</li>
 * </ul>
 *
 * <p>Run (about 1 minute):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar OutboundBenchmark
 * java -jar benchmarks/target/benchmarks.jar OutboundBenchmark -p api=message -prof gc
 * </pre>
 *
 * <p>Threading: JMH's benchmark thread writes the trigger (or sends, for {@code send-offloop}) and parks;
 * the reactor's loop thread queues and writes; the sink thread reads. On 2 cores the loop and the sink each
 * take one.
 */
public class OutboundBenchmark extends MicroBenchmark {

    /** Messages per invocation. */
    static final int MESSAGES = 10_000;
    /** Payload bytes per message; each frame is one more ('\n'). */
    static final int PAYLOAD = 64;
    static final long BYTES_PER_BURST = (long) MESSAGES * (PAYLOAD + 1);

    /** {@code message}, {@code send} or {@code send-offloop}. */
    @Param({"message", "send", "send-offloop"})
    public String api;

    private Reactor reactor;
    private Sink sink;
    private SocketChannel trigger;
    private final ByteBuffer triggerLine = ByteBuffer.wrap(new byte[] {'g', '\n'});
    /** Set on the loop thread when the sink's hello arrives. */
    private volatile Connection sinkConnection;
    private boolean offLoop;
    private boolean inPlace;
    private final byte[] payload = LoadDriver.payload(PAYLOAD);
    /** For {@code send} on the loop thread. */
    private final ByteBuffer loopBuffer = ByteBuffer.wrap(payload);
    /** For {@code send-offloop} on the benchmark thread. */
    private final ByteBuffer callerBuffer = ByteBuffer.wrap(payload.clone());
    private long expected;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        switch (api) {
            case "message" -> inPlace = true;
            case "send" -> inPlace = false;
            case "send-offloop" -> offLoop = true;
            default -> throw new IllegalArgumentException("api: message, send or send-offloop, not " + api);
        }
        reactor = Reactor.builder()
                .codec(FrameCodec.lines(64 * 1024))
                .handler(new Handler() {
                    @Override
                    public void onMessage(Connection connection, ByteBuffer message) {
                        byte first = message.get(message.position());
                        if (first == 's') {
                            sinkConnection = connection;
                        } else if (first == 'g') {
                            burst();
                        }
                    }
                })
                .writeBufferWatermarks(2 << 20, 4 << 20)
                .threadName("chat-nio-micro")
                .daemon(true)
                .start();
        try {
            InetSocketAddress address = reactor.bind(new InetSocketAddress("127.0.0.1", 0));
            sink = Sink.connect(address, new byte[] {'s', '\n'});
            long deadline = System.nanoTime() + TIMEOUT_NANOS;
            while (sinkConnection == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the sink's hello did not arrive");
                }
                TimeUnit.MILLISECONDS.sleep(1);
            }
            trigger = SocketChannel.open(address);
            trigger.setOption(StandardSocketOptions.TCP_NODELAY, true);
            expected = sink.received();
        } catch (IOException | RuntimeException e) {
            tearDown();
            throw e;
        } catch (InterruptedException e) {
            tearDown();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (trigger != null) {
                trigger.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        } finally {
            try {
                if (reactor != null) {
                    reactor.close();
                }
            } finally {
                if (sink != null) {
                    sink.close();
                }
            }
        }
    }

    /** Sends one burst and waits until the sink has read it; returns the sink's byte count. */
    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public long burstToSink() throws IOException {
        expected += BYTES_PER_BURST;
        if (offLoop) {
            Connection c = sinkConnection;
            ByteBuffer b = callerBuffer;
            for (int i = 0; i < MESSAGES; i++) {
                b.clear();
                c.send(b);
            }
        } else {
            triggerLine.clear();
            while (triggerLine.hasRemaining()) {
                trigger.write(triggerLine);
            }
        }
        sink.await(expected, TIMEOUT_NANOS);
        return expected;
    }

    /** Loop thread only (the handler). */
    private void burst() {
        Connection c = sinkConnection;
        if (inPlace) {
            byte[] p = payload;
            for (int i = 0; i < MESSAGES; i++) {
                MessageWriter out = c.message();
                out.put(p).send();
            }
        } else {
            ByteBuffer b = loopBuffer;
            for (int i = 0; i < MESSAGES; i++) {
                b.clear();
                c.send(b);
            }
        }
    }
}
