package io.chatnio.bench.micro;

import io.chatnio.FrameCodec;
import io.chatnio.FrameDecoder;
import io.chatnio.bench.LoadDriver;
import io.chatnio.bench.SeedProtocol;
import io.chatnio.internal.ReadPath;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Frame decoding: one buffer holding {@link #FRAMES} complete frames of {@code payload} bytes each is cut
 * into frames, and each frame's payload is handed to a trivial consumer (it adds up the payload lengths).
 * Score = <b>ns per frame</b>. The payload is {@link LoadDriver#payload} (printable ASCII); the largest frame
 * allowed is {@link SeedProtocol#MAX_LINE_LENGTH} (64 KiB) for both implementations.
 *
 * <ul>
 *   <li>{@code chatnio}: the decoder of {@link FrameCodec#lines} or {@link FrameCodec#lengthPrefixed}, in a
 *       direct buffer (the reactor's read buffer is direct), driven exactly as the reactor's delivery loop
 *       drives it (see the {@link FrameDecoder} contract): {@code decode}, read the payload between position
 *       and limit, restore the limit, move to {@code end}; until {@code NEED_MORE}, after which position and
 *       limit are put back. Like the reactor, the line decoder finds line ends through a newline index of
 *       the buffer, loaded once per invocation as the loop loads it once per read (see
 *       {@link LineScanBenchmark} for the index against the direct scan).</li>
 *   <li>{@code netty}: {@link LineBasedFrameDecoder} ({@code maxLength} 64 KiB, delimiter stripped, not
 *       fail-fast) or {@link LengthFieldBasedFrameDecoder} (4-byte length at offset 0, header stripped), in a
 *       pooled direct {@link ByteBuf}. Each frame is a retained slice that the consumer releases, as a Netty
 *       application must. The decoders are driven through their {@code protected Object decode(ctx, in)},
 *       called by a subclass with a {@code null} context until it returns {@code null}: on the success path
 *       neither decoder touches the context (it is only used to report too-long frames), so this is the
 *       cheapest path there is, a lower bound on what the decoding costs inside a pipeline.
 *       {@code EmbeddedChannel} was not used: it would add Netty's cumulation, {@code CodecOutputList} and
 *       per-frame {@code fireChannelRead} through the pipeline, which measure the pipeline rather than the
 *       decoder (and chat-nio's handler dispatch is not measured here either).</li>
 * </ul>
 * The benchmark thread is a Netty {@code FastThreadLocalThread} (see {@link FastThreadLocalExecutor}), as an
 * event loop is, so Netty's slices are recycled: with {@code -prof gc} neither side allocates per frame. (On a
 * plain thread Netty allocates a 72-byte slice per frame.)
 *
 * <p>Run (the whole matrix takes about 3 minutes; see {@link MicroBenchmark} for the shared configuration):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar FrameDecodeBenchmark
 * java -jar benchmarks/target/benchmarks.jar FrameDecodeBenchmark -p framing=lines -p payload=64 -prof gc
 * </pre>
 *
 * <p>Threading: JMH's benchmark thread only; decoders and buffers are confined to it.
 */
public class FrameDecodeBenchmark extends MicroBenchmark {

    /** Frames in the buffer; one invocation decodes all of them. */
    static final int FRAMES = 64;

    private static final int MAX_PAYLOAD = SeedProtocol.MAX_LINE_LENGTH;

    /** {@code chatnio} or {@code netty}. */
    @Param({"chatnio", "netty"})
    public String impl;

    /** {@code lines} (payload + '\n') or {@code lengthPrefixed} (4-byte big-endian length + payload). */
    @Param({"lines", "lengthPrefixed"})
    public String framing;

    /** Payload bytes per frame. */
    @Param({"64", "1024"})
    public int payload;

    private boolean chatnio;
    private ByteBuffer nioIn;
    private int frameBytes;
    private FrameDecoder decoder;
    /** The newline index the line decoder searches, or null (length-prefixed). */
    private ReadPath readPath;
    private ByteBuf nettyIn;
    private NettyDecoder nettyDecoder;

    @Setup
    public void setUp() {
        byte[] frames = frames(framing, payload, FRAMES);
        switch (impl) {
            case "chatnio" -> {
                chatnio = true;
                FrameCodec codec = switch (framing) {
                    case "lines" -> FrameCodec.lines(MAX_PAYLOAD);
                    case "lengthPrefixed" -> FrameCodec.lengthPrefixed(MAX_PAYLOAD);
                    default -> throw new IllegalArgumentException("framing: lines or lengthPrefixed, not " + framing);
                };
                decoder = codec.newDecoder();
                frameBytes = frames.length;
                // whole words, as the reactor's read buffer: its line decoders search a newline index of it
                nioIn = ByteBuffer.allocateDirect((frameBytes + 7) & ~7).put(frames).flip();
                readPath = new ReadPath(nioIn);
                if (!readPath.attach(decoder)) {
                    readPath = null; // only line decoders use the index
                }
            }
            case "netty" -> {
                chatnio = false;
                nettyDecoder = switch (framing) {
                    case "lines" -> new NettyLines(MAX_PAYLOAD);
                    case "lengthPrefixed" -> new NettyLengthField(MAX_PAYLOAD);
                    default -> throw new IllegalArgumentException("framing: lines or lengthPrefixed, not " + framing);
                };
                nettyIn = PooledByteBufAllocator.DEFAULT.directBuffer(frames.length, frames.length).writeBytes(frames);
            }
            default -> throw new IllegalArgumentException("impl: chatnio or netty, not " + impl);
        }
    }

    @TearDown
    public void tearDown() {
        if (nettyIn != null) {
            nettyIn.release();
            nettyIn = null;
        }
    }

    /** Decodes every frame of the buffer; returns the sum of the payload lengths. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long decode() throws Exception {
        return chatnio ? decodeChatNio() : decodeNetty();
    }

    /** The reactor's delivery loop (InboundPath#deliver), minus rate limiting and the handler call. */
    private long decodeChatNio() throws Exception {
        ByteBuffer rb = nioIn;
        rb.clear().limit(frameBytes); // the frames, as one read
        int limit = rb.limit();
        if (readPath != null) {
            readPath.load(0, limit); // as the loop does for each read, with the built-in line codec
        }
        long sum = 0;
        while (true) {
            int start = rb.position();
            int end = decoder.decode(rb);
            if (end == FrameDecoder.NEED_MORE) {
                rb.limit(limit).position(start);
                break;
            }
            if (end <= start || end > limit) {
                throw new IllegalStateException("decoder returned " + end + " for [" + start + ", " + limit + ")");
            }
            sum += rb.remaining(); // the payload the handler would get
            rb.limit(limit).position(end);
        }
        return sum;
    }

    /** What {@code ByteToMessageDecoder.callDecode} does per frame, without the pipeline. */
    private long decodeNetty() throws Exception {
        ByteBuf in = nettyIn;
        in.readerIndex(0);
        long sum = 0;
        Object frame;
        while ((frame = nettyDecoder.next(in)) != null) {
            ByteBuf buf = (ByteBuf) frame;
            sum += buf.readableBytes();
            buf.release();
        }
        return sum;
    }

    /** {@code count} frames of {@code payload} bytes, encoded for {@code framing}. */
    static byte[] frames(String framing, int payload, int count) {
        byte[] body = LoadDriver.payload(payload);
        boolean lines = switch (framing) {
            case "lines" -> true;
            case "lengthPrefixed" -> false;
            default -> throw new IllegalArgumentException("framing: lines or lengthPrefixed, not " + framing);
        };
        int frameLength = payload + (lines ? 1 : 4);
        ByteBuffer out = ByteBuffer.allocate(frameLength * count);
        for (int i = 0; i < count; i++) {
            if (!lines) {
                out.putInt(payload);
            }
            out.put(body);
            if (lines) {
                out.put((byte) '\n');
            }
        }
        return out.array();
    }

    /** A Netty frame decoder's single-frame step, reachable without a pipeline. */
    interface NettyDecoder {
        /** The next frame (a retained slice of {@code in}), or {@code null} if {@code in} holds no complete frame. */
        Object next(ByteBuf in) throws Exception;
    }

    static final class NettyLines extends LineBasedFrameDecoder implements NettyDecoder {
        NettyLines(int maxLength) {
            super(maxLength, true, false);
        }

        @Override
        public Object next(ByteBuf in) throws Exception {
            return decode(null, in);
        }
    }

    static final class NettyLengthField extends LengthFieldBasedFrameDecoder implements NettyDecoder {
        NettyLengthField(int maxPayload) {
            // maxFrameLength counts the 4-byte header; strip it so the frame is the payload, as in chat-nio
            super(maxPayload + 4, 0, 4, 0, 4);
        }

        @Override
        public Object next(ByteBuf in) throws Exception {
            return decode(null, in);
        }
    }
}
