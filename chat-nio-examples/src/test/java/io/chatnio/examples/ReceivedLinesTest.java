package io.chatnio.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ReceivedLines} in memory: what the client prints and how it answers the heartbeat. JUnit thread only. */
class ReceivedLinesTest {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final List<String> sent = new ArrayList<>();

    private ReceivedLines lines(Protocol protocol) {
        return new ReceivedLines(protocol, sent::add, new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void ircPingsAreAnsweredAndNotPrinted() {
        ReceivedLines irc = lines(Protocol.IRC);
        irc.received(bytes(":srv 001 me :Welcome\r\nPING :chat-nio.local\r\n:srv PING :with-source\r\nping x y\r\n"));
        irc.received(bytes("PINGS are not pings\r\n:me!u@h PRIVMSG #x :PING :not one either\r\n"));
        assertThat(sent).containsExactly("PONG :chat-nio.local", "PONG :with-source", "PONG x y");
        assertThat(printed()).isEqualTo(":srv 001 me :Welcome\r\nPINGS are not pings\r\n"
                + ":me!u@h PRIVMSG #x :PING :not one either\r\n");
    }

    @Test
    void linesSplitAcrossReadsAreWholeBeforeTheyAreJudged() {
        ReceivedLines irc = lines(Protocol.IRC);
        irc.received(bytes("PI"));
        irc.received(bytes("NG :split\r"));
        assertThat(sent).isEmpty();
        irc.received(bytes("\nhello 你"));
        irc.received(bytes("好\r\nno end"));
        assertThat(sent).containsExactly("PONG :split");
        assertThat(printed()).isEqualTo("hello 你好\r\n");
        irc.end();
        assertThat(printed()).isEqualTo("hello 你好\r\nno end");
    }

    @Test
    void seedHeartbeatsAreAnsweredAndTheOneErrorLineTheyCauseIsHidden() {
        ReceivedLines seed = lines(Protocol.SEED);
        seed.received(bytes("PING\n"));
        assertThat(sent).containsExactly("PONG");
        seed.received(bytes("50001 \u8d26\u6237\u5bf9\u60a8\u8bf4:hi \nERR expected IP:PORT:MESSAGE\n"));
        seed.received(bytes("ERR expected IP:PORT:MESSAGE\nERR bad port\n")); // the user's own errors: printed
        assertThat(printed()).isEqualTo("50001 \u8d26\u6237\u5bf9\u60a8\u8bf4:hi \nERR expected IP:PORT:MESSAGE\n"
                + "ERR bad port\n");
        seed.received(bytes("PING\r\nPING\n"));
        assertThat(sent).containsExactly("PONG", "PONG", "PONG");
    }

    @Test
    void seedDoesNotTakeIrcPingsAndIrcDoesNotTakeSeedErrors() {
        ReceivedLines seed = lines(Protocol.SEED);
        seed.received(bytes("PING :x\n"));
        assertThat(sent).isEmpty();
        ReceivedLines irc = lines(Protocol.IRC);
        irc.received(bytes("ERR expected IP:PORT:MESSAGE\n"));
        assertThat(printed()).isEqualTo("PING :x\nERR expected IP:PORT:MESSAGE\n");
    }
}
