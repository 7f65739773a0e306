package io.chatnio.bench.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.bench.memory.MemoryRun.Result;
import io.chatnio.bench.memory.MemoryRun.Settings;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The memory harness on a small scale: a server in a child JVM, 200 connections (a short warm-up before), a
 * small backlog; the figures must be sane, the server must have held every connection, and the child must be
 * gone afterwards. No settle pause: the figures then include what a server keeps for a while after a
 * handshake, which only makes them larger.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MemoryRunTest {

    private static final int CONNECTIONS = 200;
    private static final int BACKLOG = 8 * 1024;

    @ParameterizedTest
    @CsvSource({"chatnio, false", "chatnio-tls, false", "chatnio-tls, true"})
    void measuresAPositiveHeapPerConnectionAndLeavesNoServerProcess(String impl, boolean resumeTls) throws Exception {
        Settings settings = new Settings(CONNECTIONS, BACKLOG, "128m", List.of(), 20, 4, 0,
                TimeUnit.SECONDS.toNanos(30), resumeTls);

        Result r = MemoryRun.run(impl, settings);

        assertThat(r.baseline().sockets()).as("the listener alone").isEqualTo(1);
        assertThat(r.half().sockets()).isEqualTo(1 + CONNECTIONS / 2);
        assertThat(r.idle().sockets()).isEqualTo(1 + CONNECTIONS);
        assertThat(r.heapPerConnection(r.idle())).as("heap bytes per idle connection")
                .isGreaterThan(100).isLessThan(100_000);
        assertThat(r.idle().rss()).isPositive();
        assertThat(r.queued()).isEqualTo(BACKLOG);
        assertThat(r.backlog()).isNotNull();
        // every byte reached the connection: on loopback the kernel's queues take a backlog this small whole
        // (TLS adds its record overhead)
        assertThat(r.kernelPerConnection()).isBetween((double) BACKLOG, 1.5 * BACKLOG);
        assertThat(ProcessHandle.of(r.serverPid()).map(ProcessHandle::isAlive).orElse(false))
                .as("server process %d alive", r.serverPid()).isFalse();

        String table = MemoryMain.table(settings, List.of(r));
        assertThat(table).contains(impl).contains(resumeTls ? "resume sessions" : "each a full handshake");
        assertThat(MemoryMain.json(settings, List.of(r))).contains("\"impl\": \"" + impl + "\"")
                .contains("\"tlsResume\": " + resumeTls);
    }
}
