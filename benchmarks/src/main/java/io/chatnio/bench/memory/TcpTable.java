package io.chatnio.bench.memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The TCP sockets of this network namespace, from {@code /proc/net/tcp} and {@code /proc/net/tcp6}.
 *
 * <p>Threading: stateless; any thread.
 */
final class TcpTable {
    /** The {@code st} of a listening socket. */
    static final int LISTEN = 0x0A;

    private TcpTable() {
    }

    /**
     * One socket.
     *
     * @param txQueue bytes written and not yet acknowledged by the peer
     * @param rxQueue bytes arrived and not yet read
     * @param inode   the inode of its {@code socket:[INODE]} descriptor
     */
    record Row(int localPort, int remotePort, int state, long txQueue, long rxQueue, long inode) {
    }

    /**
     * Every socket of both tables (a table that cannot be read is skipped), each once. The kernel lists a table
     * in parts, so a socket opened or closed meanwhile may be missed, and one may appear twice: the second is
     * dropped here (by inode; sockets without a descriptor, inode 0, are all kept).
     */
    static Collection<Row> read() throws IOException {
        Map<Long, Row> byInode = new HashMap<>();
        List<Row> unowned = new ArrayList<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path file = Path.of(table);
            if (!Files.isReadable(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                // addresses are HEXIP:HEXPORT
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !f[0].endsWith(":")) {
                    continue; // the header
                }
                int colon = f[4].indexOf(':');
                Row row = new Row(port(f[1]), port(f[2]), Integer.parseInt(f[3], 16),
                        Long.parseLong(f[4], 0, colon, 16), Long.parseLong(f[4], colon + 1, f[4].length(), 16),
                        Long.parseLong(f[9]));
                if (row.inode() == 0) {
                    unowned.add(row);
                } else {
                    byInode.put(row.inode(), row);
                }
            }
        }
        unowned.addAll(byInode.values());
        return unowned;
    }

    private static int port(String address) {
        return Integer.parseInt(address, address.lastIndexOf(':') + 1, address.length(), 16);
    }
}
