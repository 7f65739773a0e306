package io.chatnio.bench.micro;

import io.chatnio.bench.LoadDriver;
import io.chatnio.internal.ReadPath;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * Finding line ends in the loop's read buffer: a direct buffer holding {@link FrameDecodeBenchmark#FRAMES}
 * lines of {@code payload} bytes, searched line by line from the start. Score = <b>ns per line</b>.
 *
 * <ul>
 *   <li>{@code index}: what the reactor does with the built-in line codec. Per invocation, as per read,
 *       {@code NewlineIndex.load} copies the buffer into a {@code long[]} and turns it into newline bits
 *       (vectorized by C2); then each line end is found with {@code NewlineIndex.indexOf} (a few words
 *       directly, then {@code Arrays.mismatch} against zeros, which the JDK vectorizes).</li>
 *   <li>{@code words}: the direct scan, eight bytes at a time with {@code ByteBuffer.getLong} and an exact
 *       per-byte zero test; what a line decoder does on any buffer other than the loop's read buffer, and
 *       what the reactor did before the index.</li>
 * </ul>
 *
 * <p>Run (about 1.5 minutes; see {@link MicroBenchmark} for the shared configuration):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar LineScanBenchmark
 * </pre>
 *
 * <p>Threading: JMH's benchmark thread only.
 */
public class LineScanBenchmark extends MicroBenchmark {

    /** {@code index} or {@code words}. */
    @Param({"index", "words"})
    public String scan;

    /** Payload bytes per line (the '\n' comes on top). */
    @Param({"64", "1024"})
    public int payload;

    private boolean indexed;
    private ByteBuffer buffer;
    private int length;
    private ReadPath path;

    @Setup
    public void setUp() {
        indexed = switch (scan) {
            case "index" -> true;
            case "words" -> false;
            default -> throw new IllegalArgumentException("scan: index or words, not " + scan);
        };
        byte[] lines = FrameDecodeBenchmark.frames("lines", payload, FrameDecodeBenchmark.FRAMES);
        length = lines.length;
        buffer = ByteBuffer.allocateDirect((length + 7) & ~7).put(lines);
        path = new ReadPath(buffer);
    }

    /** Finds every line end; returns the sum of their indexes. */
    @Benchmark
    @OperationsPerInvocation(FrameDecodeBenchmark.FRAMES)
    public long findLineEnds() {
        return indexed ? viaIndex() : viaWords();
    }

    private long viaIndex() {
        ReadPath p = path;
        int n = length;
        p.load(0, n);
        long sum = 0;
        for (int at = 0, end; (end = p.indexOf(at, n)) >= 0; at = end + 1) {
            sum += end;
        }
        return sum;
    }

    private long viaWords() {
        ByteBuffer b = buffer;
        int n = length;
        long sum = 0;
        for (int at = 0, end; (end = ReadPath.scanWords(b, at, n)) >= 0; at = end + 1) {
            sum += end;
        }
        return sum;
    }

    /**
     * The sum {@link #findLineEnds} must return: every line end of the buffer ({@link LoadDriver#payload} is
     * printable ASCII, so the only newlines are the line ends).
     */
    static long expectedSum(int payload) {
        long sum = 0;
        for (int i = 0; i < FrameDecodeBenchmark.FRAMES; i++) {
            sum += (long) i * (payload + 1) + payload;
        }
        return sum;
    }
}
