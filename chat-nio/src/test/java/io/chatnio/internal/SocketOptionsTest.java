package io.chatnio.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatnio.Connection;
import io.chatnio.ConnectionListener;
import io.chatnio.ConnectionOptions;
import io.chatnio.Reactor;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Socket options of a listener reach every accepted socket, those of a connect its socket; bad ones fail early. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketOptionsTest {
    /** Asked-for buffer size: below every default, so that a socket without it would show more. */
    private static final int BUFFER = 6000;

    private final CompletableFuture<Connection> accepted = new CompletableFuture<>();
    private final Reactor reactor = Reactor.builder()
            .router((sender, message, registry) -> { }, new ConnectionListener() {
                @Override
                public void onOpen(Connection connection) {
                    accepted.complete(connection); // the first: in the tests that use it, the only one
                }
            })
            .threadName("socket-options-loop").daemon(true).start();

    @AfterEach
    void close() {
        reactor.close();
    }

    @Test
    void aListenersOptionsAreOnEveryAcceptedSocketAndWinOverTheDefaults() throws Exception {
        InetSocketAddress address = reactor.bind(new InetSocketAddress("127.0.0.1", 0), ConnectionOptions.defaults()
                .withSocketOption(StandardSocketOptions.SO_SNDBUF, BUFFER)
                .withSocketOption(StandardSocketOptions.SO_KEEPALIVE, true)
                .withSocketOption(StandardSocketOptions.TCP_NODELAY, false));
        try (Socket client = new Socket(address.getAddress(), address.getPort())) {
            Connection c = accepted.get(10, TimeUnit.SECONDS);
            assertThat(option(c, StandardSocketOptions.SO_KEEPALIVE)).isTrue();
            assertThat(option(c, StandardSocketOptions.TCP_NODELAY)).as("the option given wins").isFalse();
            assertThat(option(c, StandardSocketOptions.SO_SNDBUF)).isBetween(BUFFER, 2 * BUFFER); // Linux doubles it
        }
    }

    @Test
    void withoutOptionsEveryConnectionHasTcpNoDelay() throws Exception {
        InetSocketAddress address = reactor.bind(new InetSocketAddress("127.0.0.1", 0));
        try (Socket client = new Socket(address.getAddress(), address.getPort())) {
            Connection c = accepted.get(10, TimeUnit.SECONDS);
            assertThat(option(c, StandardSocketOptions.TCP_NODELAY)).isTrue();
            assertThat(option(c, StandardSocketOptions.SO_KEEPALIVE)).isFalse();
        }
    }

    @Test
    void aConnectsOptionsAreOnItsSocket() throws Exception {
        InetSocketAddress address = reactor.bind(new InetSocketAddress("127.0.0.1", 0));
        Connection out = reactor.connect(address, ConnectionOptions.defaults()
                .withSocketOption(StandardSocketOptions.SO_RCVBUF, BUFFER)
                .withSocketOption(StandardSocketOptions.SO_KEEPALIVE, true)).get(10, TimeUnit.SECONDS);
        assertThat(option(out, StandardSocketOptions.SO_KEEPALIVE)).isTrue();
        assertThat(option(out, StandardSocketOptions.TCP_NODELAY)).isTrue();
        assertThat(option(out, StandardSocketOptions.SO_RCVBUF)).isBetween(BUFFER, 2 * BUFFER);
    }

    @Test
    void bindFailsOnAnOptionTcpDoesNotSupportOrAValueItRefuses() {
        List<InetSocketAddress> before = reactor.boundAddresses();
        assertThatThrownBy(() -> reactor.bind(new InetSocketAddress("127.0.0.1", 0), ConnectionOptions.defaults()
                .withSocketOption(StandardSocketOptions.IP_MULTICAST_LOOP, false)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IP_MULTICAST_LOOP");
        assertThatThrownBy(() -> reactor.bind(new InetSocketAddress("127.0.0.1", 0), ConnectionOptions.defaults()
                .withSocketOption(StandardSocketOptions.SO_SNDBUF, -1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SO_SNDBUF");
        assertThat(reactor.boundAddresses()).as("nothing bound").isEqualTo(before);
    }

    @Test
    void aConnectWithAnUnsupportedOptionFailsItsFuture() throws Exception {
        InetSocketAddress address = reactor.bind(new InetSocketAddress("127.0.0.1", 0));
        assertThatThrownBy(() -> reactor.connect(address, ConnectionOptions.defaults()
                .withSocketOption(StandardSocketOptions.IP_MULTICAST_LOOP, false)).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UnsupportedOperationException.class);
        assertThat(reactor.stats().connectionsOpen()).isZero();
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void optionsAreCheckedForTheirTypeAndALaterValueReplacesAnEarlierOne() {
        assertThatThrownBy(() -> ConnectionOptions.defaults().withSocketOption(
                (SocketOption) StandardSocketOptions.SO_SNDBUF, "big"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Integer");
        ConnectionOptions o = ConnectionOptions.defaults()
                .withSocketOption(StandardSocketOptions.SO_SNDBUF, 1)
                .withSocketOption(StandardSocketOptions.SO_KEEPALIVE, true)
                .withSocketOption(StandardSocketOptions.SO_SNDBUF, 2);
        assertThat(o.socketOptions()).containsExactly(
                java.util.Map.entry(StandardSocketOptions.SO_SNDBUF, 2),
                java.util.Map.entry(StandardSocketOptions.SO_KEEPALIVE, true));
        assertThat(ConnectionOptions.defaults().socketOptions()).isEmpty();
    }

    /** {@code option} of {@code c}'s socket, read on the loop thread that owns it. */
    private <T> T option(Connection c, SocketOption<T> option) throws Exception {
        CompletableFuture<T> value = new CompletableFuture<>();
        reactor.execute(() -> {
            try {
                value.complete(((SocketChannel) ((Conn) c).transport.channel()).getOption(option));
            } catch (Exception e) {
                value.completeExceptionally(e);
            }
        });
        return value.get(10, TimeUnit.SECONDS);
    }
}
