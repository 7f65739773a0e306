package io.chatnio.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs each microbenchmark's setup, operation and teardown directly (no JMH), so that they keep compiling,
 * keep working, and keep measuring what they claim: every frame decoded, every lookup found (and all
 * addressings finding the same connections), every outbound byte read by the sink, and a seed server that
 * forwards without allocating on its loop thread.
 */
@Timeout(30)
class MicroBenchmarksTest {

    @Test
    void decodesEveryFrameWithEitherImplementationAndFraming() throws Exception {
        for (String impl : new String[] {"chatnio", "netty"}) {
            for (String framing : new String[] {"lines", "lengthPrefixed"}) {
                for (int payload : new int[] {64, 1024}) {
                    FrameDecodeBenchmark b = new FrameDecodeBenchmark();
                    b.impl = impl;
                    b.framing = framing;
                    b.payload = payload;
                    b.setUp();
                    try {
                        for (int round = 0; round < 3; round++) { // the buffer is reused: decode it again
                            assertThat(b.decode()).as("%s %s %d", impl, framing, payload)
                                    .isEqualTo((long) FrameDecodeBenchmark.FRAMES * payload);
                        }
                    } finally {
                        b.tearDown();
                    }
                }
            }
        }
    }

    @Test
    void bothLineScansFindEveryLineEnd() {
        for (String scan : new String[] {"index", "words"}) {
            for (int payload : new int[] {0, 7, 64, 1024}) {
                LineScanBenchmark b = new LineScanBenchmark();
                b.scan = scan;
                b.payload = payload;
                b.setUp();
                for (int round = 0; round < 3; round++) {
                    assertThat(b.findLineEnds()).as("%s %d", scan, payload)
                            .isEqualTo(LineScanBenchmark.expectedSum(payload));
                }
            }
        }
    }

    @Test
    void everyAddressingFindsTheSameConnections() throws Exception {
        String[] impls = {"chatnio", "hashmap", "longmap"};
        long[] sums = new long[impls.length];
        for (int i = 0; i < impls.length; i++) {
            RoutingLookupBenchmark b = new RoutingLookupBenchmark();
            b.impl = impls[i];
            b.connections = 50;
            b.setUp();
            try {
                sums[i] = b.lookup();
                assertThat(b.misses).as(impls[i]).isZero();
                assertThat(b.lookup()).isEqualTo(sums[i]);
            } finally {
                b.tearDown();
            }
        }
        // ids are assigned in accept order and targets are picked by accept index with a fixed seed
        assertThat(sums[0]).isEqualTo(sums[1]).isEqualTo(sums[2]).isGreaterThan(RoutingLookupBenchmark.LOOKUPS);
    }

    @Test
    void everyOutboundApiDeliversEveryByte() throws Exception {
        for (String api : new String[] {"message", "send", "send-offloop"}) {
            OutboundBenchmark b = new OutboundBenchmark();
            b.api = api;
            b.setUp();
            try {
                long first = b.burstToSink();
                assertThat(b.burstToSink()).as(api).isEqualTo(first + OutboundBenchmark.BYTES_PER_BURST);
            } finally {
                b.tearDown();
            }
        }
    }

    @Test
    void allocationCheckMeasuresTheLoopThread() throws Exception {
        AllocationCheck.Result r = AllocationCheck.measure(1, 64, 20_000, 50_000);
        assertThat(r.messages()).isGreaterThanOrEqualTo(50_000);
        assertThat(r.loopCpuNanos()).isPositive();
        assertThat(r.driverCpuNanos()).isPositive();
        // Not a performance gate (the JIT may still be compiling after so short a warm-up): only a sanity bound.
        assertThat(r.bytesPerMessage()).isLessThan(1_000);
    }
}
