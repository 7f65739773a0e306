package io.chatnio.examples.irc;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.FrameException;
import io.chatnio.Refusal;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Registration} in memory ({@link FakeIrc}): CAP, PASS, NICK, USER, the welcome burst, PING, PONG, QUIT
 * and closes without a QUIT. JUnit thread only.
 */
class RegistrationTest {
    private static final String S = ":chat-nio.local ";
    private final FakeIrc irc = new FakeIrc();

    @Test
    void nickThenUserGetsTheWelcomeBurstAndNoMotdNumeric() {
        FakeIrc.Conn a = irc.connect();
        irc.send(a, "NICK alice");
        assertThat(a.hasLines()).isFalse();
        irc.send(a, "USER alice 0 * :Alice Liddell");
        List<String> lines = a.drain();
        assertThat(lines).hasSize(7);
        assertThat(lines.get(0)).isEqualTo(S + "001 alice :Welcome to the chat-nio Network, alice!alice@127.0.0.1");
        assertThat(lines.get(1)).isEqualTo(S + "002 alice :Your host is chat-nio.local, running version "
                + IrcServer.VERSION);
        assertThat(lines.get(2)).startsWith(S + "003 alice :This server was created ");
        assertThat(lines.get(3)).isEqualTo(S + "004 alice chat-nio.local " + IrcServer.VERSION + " i not o");
        assertThat(lines.get(4)).startsWith(S + "005 alice AWAYLEN=200 CASEMAPPING=ascii CHANLIMIT=#:50 "
                + "CHANMODES=,,,nt CHANNELLEN=50 CHANTYPES=# ").endsWith(" :are supported by this server");
        assertThat(lines.get(5)).isEqualTo(S + "005 alice USERLEN=18 :are supported by this server");
        assertThat(lines.get(6)).isEqualTo(S + "422 alice :MOTD File is missing");
    }

    @Test
    void userThenNickWorksTooAndTheMotdIsSentWhenThereIsOne() {
        FakeIrc withMotd = new FakeIrc(IrcServer.Options.defaults().withMotd(List.of("line one", "line two")));
        FakeIrc.Conn a = withMotd.connect();
        withMotd.send(a, "USER a 0 * :A");
        withMotd.send(a, "NICK a");
        assertThat(a.expectCode("005")).contains("NICKLEN=30");
        a.expectCode("005");
        assertThat(a.drain()).containsExactly(
                S + "375 a :- chat-nio.local Message of the day - ",
                S + "372 a :- line one",
                S + "372 a :- line two",
                S + "376 a :End of /MOTD command.");
        withMotd.send(a, "MOTD");
        assertThat(a.drain()).hasSize(4);
    }

    @Test
    void capLsSuspendsRegistrationUntilCapEnd() {
        FakeIrc.Conn a = irc.connect();
        irc.send(a, "CAP LS 302");
        assertThat(a.next()).isEqualTo(S + "CAP * LS :");
        irc.send(a, "NICK alice");
        irc.send(a, "USER alice 0 * :Alice");
        assertThat(a.hasLines()).isFalse();
        irc.send(a, "CAP REQ :multi-prefix sasl");
        assertThat(a.next()).isEqualTo(S + "CAP alice NAK :multi-prefix sasl");
        irc.send(a, "CAP LIST");
        assertThat(a.next()).isEqualTo(S + "CAP alice LIST :");
        irc.send(a, "cap end");
        assertThat(a.next()).startsWith(S + "001 alice ");
    }

    @Test
    void capAfterRegistrationIsAnsweredAndSuspendsNothing() {
        FakeIrc.Conn a = irc.register("alice");
        irc.send(a, "CAP LS");
        assertThat(a.next()).isEqualTo(S + "CAP alice LS :");
        irc.send(a, "CAP REQ sasl");
        assertThat(a.next()).isEqualTo(S + "CAP alice NAK :sasl");
        irc.send(a, "CAP END");
        assertThat(a.hasLines()).isFalse();
        irc.send(a, "PING x");
        assertThat(a.next()).isEqualTo(S + "PONG chat-nio.local :x");
    }

    @Test
    void badCapCommandsAreNumerics() {
        FakeIrc.Conn a = irc.connect();
        irc.send(a, "CAP");
        assertThat(a.next()).isEqualTo(S + "461 * CAP :Not enough parameters");
        irc.send(a, "CAP FROB");
        assertThat(a.next()).isEqualTo(S + "410 * FROB :Invalid CAP command");
    }

    @Test
    void passIsIgnoredBeforeRegistrationAndRefusedAfter() {
        FakeIrc.Conn a = irc.connect();
        irc.send(a, "PASS secret");
        assertThat(a.hasLines()).isFalse();
        irc.send(a, "PASS");
        assertThat(a.next()).isEqualTo(S + "461 * PASS :Not enough parameters");
        irc.send(a, "NICK a");
        irc.send(a, "USER a 0 * :A");
        a.expectCode("001");
        a.clear();
        irc.send(a, "PASS secret");
        assertThat(a.next()).isEqualTo(S + "462 a :You may not reregister");
        irc.send(a, "USER a 0 * :A");
        assertThat(a.next()).isEqualTo(S + "462 a :You may not reregister");
    }

    @Test
    void nickErrors() {
        FakeIrc.Conn a = irc.register("alice");
        FakeIrc.Conn b = irc.connect();
        irc.send(b, "NICK");
        assertThat(b.next()).isEqualTo(S + "431 * :No nickname given");
        irc.send(b, "NICK :");
        assertThat(b.next()).isEqualTo(S + "431 * :No nickname given");
        irc.send(b, "NICK 9lives");
        assertThat(b.next()).isEqualTo(S + "432 * 9lives :Erroneous nickname");
        irc.send(b, "NICK :two words");
        assertThat(b.next()).isEqualTo(S + "432 * two :Erroneous nickname");
        irc.send(b, "NICK ALICE"); // the casemapping makes it alice's
        assertThat(b.next()).isEqualTo(S + "433 * ALICE :Nickname is already in use");
        irc.send(b, "NICK bob");
        irc.send(b, "NICK alice");
        assertThat(b.next()).isEqualTo(S + "433 bob alice :Nickname is already in use");
        assertThat(a.hasLines()).isFalse();
    }

    @Test
    void aNickChangeReachesTheClientAndEachPeerOnce() {
        FakeIrc.Conn a = irc.register("alice");
        FakeIrc.Conn b = irc.register("bob");
        FakeIrc.Conn c = irc.register("carol");
        irc.send(a, "JOIN #one,#two");
        irc.send(b, "JOIN #one,#two");
        a.clear();
        b.clear();
        irc.send(a, "NICK Alicia");
        assertThat(a.drain()).containsExactly(":alice!alice@127.0.0.1 NICK :Alicia");
        assertThat(b.drain()).containsExactly(":alice!alice@127.0.0.1 NICK :Alicia"); // two shared channels, once
        assertThat(c.hasLines()).isFalse();
        irc.send(a, "NICK alicia"); // a change of case only
        assertThat(a.next()).isEqualTo(":Alicia!alice@127.0.0.1 NICK :alicia");
        irc.send(a, "NICK alicia"); // no change at all
        assertThat(a.hasLines()).isFalse();
        irc.send(c, "NICK alice"); // the old nick is free
        assertThat(c.next()).isEqualTo(":carol!carol@127.0.0.1 NICK :alice");
    }

    @Test
    void userErrorsAndLimits() {
        FakeIrc.Conn a = irc.connect();
        irc.send(a, "USER a 0 *");
        assertThat(a.next()).isEqualTo(S + "461 * USER :Not enough parameters");
        irc.send(a, "USER : 0 * :real");
        assertThat(a.next()).isEqualTo(S + "461 * USER :Not enough parameters");
        irc.send(a, "USER a@b 0 * :real");
        assertThat(a.next()).isEqualTo(S + "468 * :Your username is not valid");
        irc.send(a, "USER abcdefghijklmnopqrstuvwxyz 0 * :real");
        irc.send(a, "NICK a");
        assertThat(a.next()).endsWith("a!abcdefghijklmnopqr@127.0.0.1"); // cut to USERLEN=18
    }

    @ParameterizedTest
    @ValueSource(strings = {"JOIN #a", "PRIVMSG a :x", "WHO *", "MODE a", "FROB", "AWAY :x"})
    void otherCommandsBeforeRegistrationGet451(String line) {
        FakeIrc.Conn a = irc.connect();
        irc.send(a, line);
        assertThat(a.next()).isEqualTo(S + "451 * :You have not registered");
    }

    @Test
    void anUnknownCommandAfterRegistrationGets421() {
        FakeIrc.Conn a = irc.register("a");
        irc.send(a, "frob x y");
        assertThat(a.next()).isEqualTo(S + "421 a FROB :Unknown command");
    }

    @Test
    void pingAndPong() {
        FakeIrc.Conn a = irc.connect();
        irc.send(a, "PING :before registration");
        assertThat(a.next()).isEqualTo(S + "PONG chat-nio.local :before registration");
        irc.send(a, "PING");
        assertThat(a.next()).isEqualTo(S + "409 * :No origin specified");
        irc.send(a, "PONG :chat-nio.local");
        assertThat(a.hasLines()).isFalse();
    }

    @Test
    void quitIsToldToEachPeerOnceThenErrorAndClose() {
        FakeIrc.Conn a = irc.register("alice");
        FakeIrc.Conn b = irc.register("bob");
        FakeIrc.Conn c = irc.register("carol");
        FakeIrc.Conn d = irc.register("dave");
        irc.send(a, "JOIN #one,#two");
        irc.send(b, "JOIN #one,#two");
        irc.send(c, "JOIN #two");
        a.clear();
        b.clear();
        c.clear();
        irc.send(a, "QUIT :gone fishing");
        assertThat(a.drain()).containsExactly("ERROR :Closing Link: 127.0.0.1 (Quit: gone fishing)");
        assertThat(a.closeRequested).isTrue();
        assertThat(b.drain()).containsExactly(":alice!alice@127.0.0.1 QUIT :Quit: gone fishing");
        assertThat(c.drain()).containsExactly(":alice!alice@127.0.0.1 QUIT :Quit: gone fishing");
        assertThat(d.hasLines()).isFalse();
        irc.closed(a, null); // the reactor reports the close later: nothing more is said
        assertThat(b.hasLines()).isFalse();
        irc.send(d, "NICK alice"); // the nick is free
        assertThat(d.next()).endsWith("NICK :alice");
        irc.send(b, "NAMES #one");
        assertThat(b.next()).isEqualTo(S + "353 bob = #one :bob");
    }

    @Test
    void quitWithoutReasonAndBeforeRegistration() {
        FakeIrc.Conn a = irc.register("alice");
        FakeIrc.Conn b = irc.register("bob");
        irc.send(a, "JOIN #x");
        irc.send(b, "JOIN #x");
        b.clear();
        irc.send(a, "QUIT");
        assertThat(b.next()).isEqualTo(":alice!alice@127.0.0.1 QUIT :Quit: ");
        FakeIrc.Conn c = irc.connect();
        irc.send(c, "QUIT :bye");
        assertThat(c.next()).isEqualTo("ERROR :Closing Link: 127.0.0.1 (Quit: bye)");
        assertThat(c.closeRequested).isTrue();
    }

    @Test
    void aCloseWithoutQuitIsToldWithItsReason() {
        FakeIrc.Conn[] peers = new FakeIrc.Conn[4];
        FakeIrc.Conn watcher = irc.register("watcher");
        irc.send(watcher, "JOIN #x");
        for (int i = 0; i < peers.length; i++) {
            peers[i] = irc.register("p" + i);
            irc.send(peers[i], "JOIN #x");
        }
        watcher.clear();
        irc.closed(peers[0], null);
        irc.closed(peers[1], new FrameException.TooLong(510, 600));
        irc.closed(peers[2], new IOException("heartbeat timeout"));
        irc.closed(peers[3], new IOException("slow consumer: 300000 bytes pending"));
        assertThat(watcher.drain()).containsExactly(
                ":p0!p0@127.0.0.1 QUIT :Connection closed",
                ":p1!p1@127.0.0.1 QUIT :Input line was too long",
                ":p2!p2@127.0.0.1 QUIT :Ping timeout",
                ":p3!p3@127.0.0.1 QUIT :SendQ exceeded");
        irc.send(watcher, "NAMES #x");
        assertThat(watcher.next()).isEqualTo(S + "353 watcher = #x :@watcher");
    }

    @Test
    void aRefusedConnectionGetsAnErrorLine() {
        FakeIrc.Conn a = irc.connect();
        irc.handler.onRefused(a, Refusal.TOO_MANY_CONNECTIONS);
        assertThat(a.next()).isEqualTo("ERROR :Closing Link: 127.0.0.1 (Too many connections)");
        irc.handler.onRefused(a, Refusal.RATE_LIMITED);
        assertThat(a.next()).isEqualTo("ERROR :Closing Link: 127.0.0.1 (Excess flood)");
    }

    @Test
    void emptyLinesAreIgnored() {
        FakeIrc.Conn a = irc.connect();
        irc.send(a, "");
        irc.send(a, "   ");
        assertThat(a.hasLines()).isFalse();
    }
}
