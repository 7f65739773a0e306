package io.chatnio.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code client}: a line-based terminal client. Each line of stdin is sent "\n"-terminated; whatever the server
 * sends is copied to stdout as it arrives, byte for byte.
 *
 * <p><b>Threading.</b> picocli calls {@link #call()} on the main thread, which connects, then starts two daemon
 * threads over one blocking socket: {@code client-reader} copies socket to stdout, {@code client-writer}
 * copies stdin to the socket, so neither direction blocks the other. The main thread waits until the server
 * closes, or until stdin ends; in that case it shuts the socket's output down and waits up to {@code --grace}
 * for the server to close, then closes the socket and returns 0.
 */
@Command(name = "client",
        description = "Sends each line of stdin to the server (\\n-terminated) and prints what it receives. "
                + "Exits on end of input or when the server closes.",
        sortOptions = false)
final class ClientCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ClientCommand.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Server address. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "9999",
            description = "Server port, 1..65535. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "2",
            description = "After end of input, how long to wait for the server to close, >= 0. "
                    + "Default: ${DEFAULT-VALUE}.")
    int graceSeconds;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 1 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "Invalid option: port must be 1..65535: " + port);
        }
        if (graceSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "Invalid option: grace must be >= 0: " + graceSeconds);
        }
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            } catch (IOException | IllegalArgumentException e) {
                log.error("cannot connect to {}:{}: {}", host, port, e.toString());
                return 1;
            }
            log.info("connected to {} from {}", socket.getRemoteSocketAddress(), socket.getLocalSocketAddress());
            CountDownLatch serverClosed = new CountDownLatch(1);
            CountDownLatch anyEnded = new CountDownLatch(1);
            start("client-reader", () -> {
                copyToStdout(socket);
                serverClosed.countDown();
                anyEnded.countDown();
            });
            start("client-writer", () -> {
                copyStdinLines(socket);
                anyEnded.countDown();
            });
            anyEnded.await();
            if (serverClosed.getCount() > 0 && !serverClosed.await(graceSeconds, TimeUnit.SECONDS)) {
                log.info("the server did not close within {} s; closing", graceSeconds);
            }
        } catch (IOException e) {
            log.debug("close failed", e);
        }
        return 0;
    }

    /** Copies the socket's bytes to stdout until the server closes (or the socket is closed). Reader thread. */
    private static void copyToStdout(Socket socket) {
        PrintStream out = System.out;
        byte[] buf = new byte[8192];
        try {
            InputStream in = socket.getInputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
            log.info("the server closed the connection");
        } catch (SocketException e) {
            log.debug("socket closed", e);
        } catch (IOException e) {
            log.warn("read failed: {}", e.toString());
        }
    }

    /** Sends each stdin line "\n"-terminated; at end of input shuts the socket's output down. Writer thread. */
    private static void copyStdinLines(Socket socket) {
        try {
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            for (String line; (line = stdin.readLine()) != null; ) {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            socket.shutdownOutput();
        } catch (IOException e) {
            log.debug("writing stopped: {}", e.toString());
        }
    }

    private static void start(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }
}
