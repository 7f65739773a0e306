package io.chatnio;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The embedding example of the README, compiled and run, so that it cannot rot: the lines between the
 * {@code README} markers must appear verbatim in README.md.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EmbeddingExampleTest {

    /** The README's example: a chat server with rooms, on a free port. */
    static InetSocketAddress startChat(Reactor[] started) throws Exception {
        // README:begin
        ConnectionListener guests = new ConnectionListener() {
            @Override
            public void onOpen(Connection c) {                        // a name, and a seat in the lobby
                c.reactor().registry().setName(c, "guest" + c.id());
                c.reactor().registry().join(c, "lobby");
            }
        };
        Routers.Envelope whoSpoke = (sender, body, out) ->         // "guest2: hello"
                out.putUtf8(sender.reactor().registry().nameOf(sender)).putUtf8(": ").put(body);
        Reactor reactor = Reactor.builder()
                .codec(FrameCodec.lines(8 * 1024))                    // one message per line, at most 8 KiB
                .router(Routers.rooms(whoSpoke, "ERR "), guests)      // /join ROOM, #ROOM:MESSAGE
                .start();                                             // starts the loop thread
        InetSocketAddress address = reactor.bind(new InetSocketAddress("127.0.0.1", 0));
        System.out.println("chat on " + address);
        // ... later: flush what is queued, close every connection, end the thread
        // reactor.close();
        // README:end
        started[0] = reactor;
        return address;
    }

    @Test
    void theReadmeExampleRuns() throws Exception {
        Reactor[] reactor = new Reactor[1];
        InetSocketAddress address = startChat(reactor);
        try (TestClient a = new TestClient(address); TestClient b = new TestClient(address)) {
            awaitLobbySize(reactor[0], 2); // both joined on open
            b.writeLine("#lobby:hello from b");
            assertThat(a.readLine()).matches("guest\\d+: hello from b"); // members see who spoke
            a.writeLine("/join side");
            a.writeLine("#lobby:and from a");
            assertThat(b.readLine()).matches("guest\\d+: and from a");
        } finally {
            reactor[0].close();
        }
        assertThat(reactor[0].isTerminated()).isTrue();
    }

    private static void awaitLobbySize(Reactor reactor, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            java.util.concurrent.CompletableFuture<Integer> size = new java.util.concurrent.CompletableFuture<>();
            reactor.execute(() -> size.complete(reactor.registry().members("lobby").size()));
            if (size.get(10, TimeUnit.SECONDS) == n) {
                return;
            }
            assertThat(System.nanoTime()).as("lobby reached %d members in time", n).isLessThan(deadline);
        }
    }

    @Test
    void theReadmeShowsExactlyThisExample() throws Exception {
        Path here = Path.of("src/test/java/io/chatnio/EmbeddingExampleTest.java");
        Path readme = Path.of("../README.md");
        String source = Files.readString(here, StandardCharsets.UTF_8);
        String snippet = source.substring(source.indexOf("// README:begin") + "// README:begin".length(),
                source.indexOf("        // README:end"));
        String doc = Files.readString(readme, StandardCharsets.UTF_8);
        for (String line : snippet.strip().split("\n")) {
            assertThat(doc).as("README.md shows the embedding example").contains(line.strip());
        }
    }
}
