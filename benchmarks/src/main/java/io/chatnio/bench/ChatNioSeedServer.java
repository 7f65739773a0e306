package io.chatnio.bench;

import io.chatnio.ConnectionOptions;
import io.chatnio.FrameCodec;
import io.chatnio.Reactor;
import io.chatnio.Router;
import io.chatnio.Routers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;

/**
 * The seed protocol served by the chat-nio library itself, with its built-in strategies: direct messages
 * by remote address ({@link Routers#byAddress()}) and rooms ({@link Routers#rooms}) on the same connections,
 * as {@link SeedProtocol} documents. Line framing, 64 KiB lines, default watermarks (128/256 KiB) and
 * slow-consumer policies (pause the sender for 1:1, disconnect for fan-out). {@code chatnio-tls} is the same
 * server with the listener's TLS options of {@link BenchTls}.
 *
 * <p>Threading: {@link #start}, {@link #address()} and {@link #close()} may be called from any thread; all
 * I/O and routing runs on the reactor's one loop thread.
 */
final class ChatNioSeedServer implements SeedServer {
    private static final byte[] SAYS = SeedProtocol.DELIVERY_INFIX.getBytes(StandardCharsets.UTF_8);

    private final Reactor reactor;
    private final InetSocketAddress address;

    private ChatNioSeedServer(Reactor reactor, InetSocketAddress address) {
        this.reactor = reactor;
        this.address = address;
    }

    static ChatNioSeedServer start(InetSocketAddress bind) {
        return start(bind, ConnectionOptions.defaults());
    }

    /** The server listening with {@code options} (TLS or not) on {@code bind}. */
    static ChatNioSeedServer start(InetSocketAddress bind, ConnectionOptions options) {
        if (SeedServer.sendBuffer() > 0) {
            options = options.withSocketOption(StandardSocketOptions.SO_SNDBUF, SeedServer.sendBuffer());
        }
        // "<senderPort> 账户对您说:<MESSAGE> " — the line codec appends the "\n"
        Routers.Envelope says = (sender, body, out) ->
                out.putDecimal(sender.remoteAddress().getPort()).put(SAYS).put(body).put((byte) ' ');
        String offline = SeedProtocol.OFFLINE_LINE.substring(0, SeedProtocol.OFFLINE_LINE.length() - 1);
        Router direct = Routers.direct(Routers.byAddress(), says, offline, "ERR ");
        Router rooms = Routers.rooms(says, "ERR ");
        Router seed = (sender, message, registry) -> {
            byte first = message.hasRemaining() ? message.get(message.position()) : 0;
            (first == '#' || first == '/' ? rooms : direct).route(sender, message, registry);
        };
        Reactor reactor = Reactor.builder()
                .codec(FrameCodec.lines(SeedProtocol.MAX_LINE_LENGTH))
                .router(seed)
                .threadName("chat-nio-bench")
                .daemon(true)
                .start();
        try {
            return new ChatNioSeedServer(reactor, reactor.bind(bind, options));
        } catch (IOException e) {
            reactor.close();
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        reactor.close();
    }
}
