package io.chatnio.bench;

import io.chatnio.examples.irc.IrcServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * An IRC server the IRC load runs against, by {@code impl} name: {@code chatnio-irc}, chat-nio's example IRC
 * server ({@link IrcServer}) in this JVM, or {@code ngircd}, the distribution's ngIRCd as a process
 * ({@link Ngircd}).
 *
 * <p>Threading: {@link #start} on any thread; the methods of a started target from any thread.
 */
public interface IrcTarget extends AutoCloseable {

    /** The {@code impl} names {@link #start} knows, in the benchmarks' order. */
    List<String> IMPLS = List.of("chatnio-irc", "ngircd");

    /** Where clients connect (127.0.0.1). */
    InetSocketAddress address();

    /**
     * The commands (CR LF terminated; "" for none) client {@code nick} sends right after registering, to lift
     * the per-client flood limits the server's configuration cannot switch off for everyone.
     */
    String relax(String nick);

    /** Stops the server; idempotent. */
    @Override
    void close();

    /**
     * Starts {@code impl} on 127.0.0.1 and a free port.
     *
     * @throws UnsupportedOperationException for {@code ngircd} when it is not installed
     * @throws IllegalArgumentException for an unknown name
     */
    static IrcTarget start(String impl) throws IOException {
        return switch (impl) {
            case "chatnio-irc" -> chatNio(IrcServer.Options.defaults().withPort(0));
            case "ngircd" -> Ngircd.start(Ngircd.DEFAULT_PING_SECONDS);
            default -> throw new IllegalArgumentException("unknown IRC server " + impl + ", not one of " + IMPLS);
        };
    }

    /** Starts chat-nio's IRC server with {@code options} (in this JVM, on its own loop thread). */
    static IrcTarget chatNio(IrcServer.Options options) throws IOException {
        IrcServer server = IrcServer.start(options);
        return new IrcTarget() {
            @Override
            public InetSocketAddress address() {
                return server.address();
            }

            @Override
            public String relax(String nick) {
                return ""; // no flood limits unless configured
            }

            @Override
            public void close() {
                server.close();
            }

            @Override
            public String toString() {
                return "chatnio-irc on " + server.address();
            }
        };
    }
}
