package io.chatnio.bench.memory;

import java.io.IOException;

/**
 * Bytes the kernel holds in the TCP queues of one server's connections ({@link TcpTable}): the send queues of
 * the server's sockets (written, not yet acknowledged) and the receive queues of their peers (arrived, not yet
 * read). Bytes queued toward a client that does not read are either there or still in the server process;
 * this tells the two apart.
 *
 * <p>Threading: immutable; any thread.
 *
 * @param serverSend    sum of the send queues of the connections whose local port is the server's
 * @param clientReceive sum of the receive queues of the connections whose remote port is the server's
 */
record KernelQueues(long serverSend, long clientReceive) {

    /** Both sums, or -1 each where the tables cannot be read. */
    static KernelQueues of(int serverPort) {
        long send = 0;
        long receive = 0;
        try {
            for (TcpTable.Row row : TcpTable.read()) {
                if (row.state() == TcpTable.LISTEN) {
                    continue;
                }
                if (row.localPort() == serverPort) {
                    send += row.txQueue();
                } else if (row.remotePort() == serverPort) {
                    receive += row.rxQueue();
                }
            }
            return new KernelQueues(send, receive);
        } catch (IOException | RuntimeException e) {
            return new KernelQueues(-1, -1);
        }
    }

    /** Both queues together, or -1 if unknown. */
    long total() {
        return serverSend < 0 ? -1 : serverSend + clientReceive;
    }
}
