package io.chatnio.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The open-loop latency driver: a short run against the chat-nio server at a low rate, its schedule
 * arithmetic, the parsing of time-stamped lines split anywhere across reads, and the rate options.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LatencyDriverTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void deliversEveryScheduledMessageAndRecordsEachOneAfterTheWarmUp() throws IOException {
        // 2,000 msg/s over 10 pairs: 750 in the 0.5 s warm-up (a 0.25 s ramp, then the full rate), 3,000
        // recorded in the next 1.5 s.
        LatencyDriver.Config config = new LatencyDriver.Config(10, 64, 2_000, 500 * MS, 1_500 * MS,
                TimeUnit.SECONDS.toNanos(20), TimeUnit.SECONDS.toNanos(20));
        LatencyDriver.Result result;
        try (SeedServer server = TestServers.startOnLoopback("chatnio")) {
            result = LatencyDriver.run(server.address(), config);
        }
        assertThat(result.scheduled()).isEqualTo(3_750);
        assertThat(result.sent()).isEqualTo(3_750);
        assertThat(result.received()).isEqualTo(3_750);
        assertThat(result.complete()).isTrue();
        assertThat(result.measured()).isEqualTo(3_000);
        assertThat(result.latency().getTotalCount()).isEqualTo(3_000);
        assertThat(result.sendLag().getTotalCount()).isEqualTo(3_000);
        assertThat(result.latency().getMinValue()).as("a delivery takes time").isPositive();
        assertThat(result.latency().getMaxValue()).as("nothing waited for the drain")
                .isLessThan(TimeUnit.SECONDS.toNanos(20));
    }

    @Test
    void schedulesMessagesAtTheirIntendedTimes() {
        // No warm-up: due at 0, 1/3, 2/3 s, so three in the first second.
        LatencyDriver.Config flat = new LatencyDriver.Config(1, 16, 3, 0, 1_000 * MS, 0, MS);
        assertThat(flat.scheduled()).isEqualTo(3);
        assertThat(flat.warmupMessages()).isZero();
        assertThat(flat.intendedNanos(2)).isEqualTo(666_666_666);

        // 1,000/s with a 1 s warm-up: the rate ramps up over 0.5 s (250 messages, the k-th due at
        // sqrt(2 * 0.5 s * k / 1000/s)), then message k is due at 0.25 s + k ms; 750 fall in the warm-up.
        LatencyDriver.Config ramped = new LatencyDriver.Config(1, 16, 1_000, 1_000 * MS, 1_000 * MS, 0, MS);
        assertThat(ramped.intendedNanos(0)).isZero();
        assertThat(ramped.intendedNanos(10)).isEqualTo(100 * MS);
        assertThat(ramped.intendedNanos(249)).isBetween(498 * MS, 500 * MS);
        assertThat(ramped.intendedNanos(250)).isEqualTo(500 * MS);
        assertThat(ramped.intendedNanos(749)).isLessThan(1_000 * MS);
        assertThat(ramped.intendedNanos(750)).isEqualTo(1_000 * MS);
        assertThat(ramped.warmupMessages()).isEqualTo(750);
        assertThat(ramped.scheduled()).isEqualTo(1_750);
        for (long k = 1; k < 2_000; k++) {
            assertThat(ramped.intendedNanos(k)).as("message %d", k).isGreaterThan(ramped.intendedNanos(k - 1));
        }
        assertThatThrownBy(() -> new LatencyDriver.Config(1, 15, 3, 0, MS, 0, MS))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsTheTimeOfLinesSplitAnywhereAcrossReads() throws IOException {
        long[] times = {0, 0x0123_4567_89ab_cdefL, 42};
        byte[] stream = lines(times);
        int length = stream.length / times.length;
        for (int cut1 = 0; cut1 <= stream.length; cut1++) {
            for (int cut2 = cut1; cut2 <= stream.length; cut2++) {
                TimedLines parser = new TimedLines(length, 5);
                List<Long> seen = new ArrayList<>();
                ByteBuffer buf = ByteBuffer.allocateDirect(stream.length);
                for (int[] read : new int[][] {{0, cut1}, {cut1, cut2}, {cut2, stream.length}}) {
                    buf.clear();
                    buf.put(stream, read[0], read[1] - read[0]);
                    parser.consume(buf, 0, read[1] - read[0], seen::add);
                }
                assertThat(seen).as("cuts at %d and %d", cut1, cut2).containsExactly(times[0], times[1], times[2]);
                assertThat(parser.lines()).isEqualTo(3);
            }
        }
    }

    @Test
    void rejectsALineThatDoesNotEndInALineFeedOrATimeThatIsNotHex() {
        byte[] stream = lines(new long[] {7, 8});
        int length = stream.length / 2;
        byte[] badEnd = stream.clone();
        badEnd[length - 1] = 'x';
        assertThatThrownBy(() -> new TimedLines(length, 5).consume(ByteBuffer.wrap(badEnd), 0, badEnd.length,
                t -> { })).isInstanceOf(IOException.class).hasMessageContaining("not '\\n'");
        byte[] notHex = stream.clone();
        notHex[5] = 'g';
        assertThatThrownBy(() -> new TimedLines(length, 5).consume(ByteBuffer.wrap(notHex), 0, notHex.length,
                t -> { })).isInstanceOf(IOException.class).hasMessageContaining("not a hex digit");
    }

    @Test
    void takesRatesAsMessagesPerSecondOrAsAShareOfTheMaximum() {
        assertThat(LatencyMain.rate("25%", 1_200_000)).isEqualTo(300_000);
        assertThat(LatencyMain.rate("90%", 1_200_000)).isEqualTo(1_080_000);
        assertThat(LatencyMain.rate("150000", 0)).isEqualTo(150_000);
        assertThatThrownBy(() -> LatencyMain.rate("50%", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reportsARunAsOneCsvRow() {
        LatencyDriver.Config config = new LatencyDriver.Config(100, 64, 300_000, 0, MS, 0, MS);
        Histogram latency = new Histogram(3);
        latency.recordValue(20_000);
        Histogram lag = new Histogram(3);
        lag.recordValue(1_000);
        String row = LatencyMain.row("chatnio", "25%", new LatencyDriver.Result(config, 300, 300, 300, 300,
                latency, lag));
        assertThat(row.split(",")).hasSize(LatencyMain.CSV_HEADER.split(",").length);
        assertThat(row).startsWith("chatnio,300000,25%,100,64,").contains(",20.0,").endsWith(",1.0,1.0");
    }

    /** Lines of {@code "pfx: " + 16 hex digits + " body\n"}, all of one length. */
    private static byte[] lines(long[] times) {
        StringBuilder s = new StringBuilder();
        for (long t : times) {
            s.append("pfx: ").append(String.format("%016x", t)).append(" body\n");
        }
        return s.toString().getBytes(UTF_8);
    }
}
