package io.chatnio.examples.irc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link UserCommands} in memory ({@link FakeIrc}): WHO, WHOIS, AWAY and MODE on nicks. JUnit thread only. */
class UserCommandsTest {
    private static final String S = ":chat-nio.local ";
    private final FakeIrc irc = new FakeIrc();
    private FakeIrc.Conn alice;
    private FakeIrc.Conn bob;
    private FakeIrc.Conn carol;

    @BeforeEach
    void register() {
        alice = irc.register("alice");
        bob = irc.register("bob");
        carol = irc.register("carol");
        irc.send(alice, "JOIN #x");
        irc.send(bob, "JOIN #x");
        alice.clear();
        bob.clear();
    }

    @Test
    void whoOfAChannelListsItsMembersWithTheirFlags() {
        irc.send(bob, "AWAY :out");
        bob.clear();
        irc.send(carol, "WHO #X");
        assertThat(carol.drain()).containsExactly(
                S + "352 carol #x alice 127.0.0.1 chat-nio.local alice H@ :0 alice",
                S + "352 carol #x bob 127.0.0.1 chat-nio.local bob G :0 bob",
                S + "315 carol #X :End of WHO list");
        irc.send(carol, "WHO #nowhere");
        assertThat(carol.drain()).containsExactly(S + "315 carol #nowhere :End of WHO list");
    }

    @Test
    void whoOfANickAndOfMasks() {
        irc.send(carol, "WHO ALICE");
        assertThat(carol.drain()).containsExactly(
                S + "352 carol #x alice 127.0.0.1 chat-nio.local alice H@ :0 alice",
                S + "315 carol ALICE :End of WHO list");
        irc.send(alice, "WHO carol");
        assertThat(alice.drain()).containsExactly(
                S + "352 alice * carol 127.0.0.1 chat-nio.local carol H :0 carol",
                S + "315 alice carol :End of WHO list");
        irc.send(carol, "WHO ?o*");
        assertThat(carol.drain()).containsExactly(
                S + "352 carol * bob 127.0.0.1 chat-nio.local bob H :0 bob",
                S + "315 carol ?o* :End of WHO list");
        irc.send(carol, "WHO nobody");
        assertThat(carol.drain()).containsExactly(S + "315 carol nobody :End of WHO list");
    }

    @Test
    void invisibleClientsAreHiddenFromMasksExceptToPeers() {
        irc.send(bob, "MODE bob +i");
        irc.send(carol, "WHO *");
        assertThat(carol.drain()).hasSize(3).noneMatch(l -> l.contains(" bob H"));
        irc.send(alice, "WHO 0"); // alice shares #x with bob
        assertThat(alice.drain()).hasSize(4).anyMatch(l -> l.contains(" bob H"));
        irc.send(carol, "WHO bob"); // an exact nick is always answered
        assertThat(carol.drain()).hasSize(2);
    }

    @Test
    void whois() {
        irc.send(bob, "AWAY :lunch");
        bob.clear();
        irc.send(carol, "WHOIS bob");
        assertThat(carol.drain()).containsExactly(
                S + "311 carol bob bob 127.0.0.1 * :bob",
                S + "319 carol bob :#x",
                S + "312 carol bob chat-nio.local :chat-nio",
                S + "301 carol bob :lunch",
                S + "318 carol bob :End of /WHOIS list");
        irc.send(carol, "WHOIS chat-nio.local Alice");
        assertThat(carol.drain()).containsExactly(
                S + "311 carol alice alice 127.0.0.1 * :alice",
                S + "319 carol alice :@#x",
                S + "312 carol alice chat-nio.local :chat-nio",
                S + "318 carol Alice :End of /WHOIS list");
        irc.send(carol, "WHOIS nobody");
        assertThat(carol.drain()).containsExactly(S + "401 carol nobody :No such nick/channel",
                S + "318 carol nobody :End of /WHOIS list");
        irc.send(carol, "WHOIS");
        assertThat(carol.next()).isEqualTo(S + "431 carol :No nickname given");
    }

    @Test
    void awayAndBack() {
        irc.send(alice, "AWAY :gone for " + "x".repeat(300));
        assertThat(alice.next()).isEqualTo(S + "306 alice :You have been marked as being away");
        irc.send(bob, "WHOIS alice");
        assertThat(bob.drain()).contains(S + "301 bob alice :gone for " + "x".repeat(Names.AWAYLEN - 9));
        irc.send(alice, "AWAY");
        assertThat(alice.next()).isEqualTo(S + "305 alice :You are no longer marked as being away");
        irc.send(alice, "AWAY :");
        assertThat(alice.next()).isEqualTo(S + "305 alice :You are no longer marked as being away");
    }

    @Test
    void userModes() {
        irc.send(alice, "MODE alice");
        assertThat(alice.next()).isEqualTo(S + "221 alice +");
        irc.send(alice, "MODE Alice +i");
        assertThat(alice.next()).isEqualTo(":alice!alice@127.0.0.1 MODE alice :+i");
        irc.send(alice, "MODE alice");
        assertThat(alice.next()).isEqualTo(S + "221 alice +i");
        irc.send(alice, "MODE alice +i"); // no change, nothing said
        assertThat(alice.hasLines()).isFalse();
        irc.send(alice, "MODE alice -i+w");
        assertThat(alice.drain()).containsExactly(":alice!alice@127.0.0.1 MODE alice :-i",
                S + "501 alice :Unknown MODE flag");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            MODE bob +i     | 502 alice :Cant change mode for other users
            MODE bob        | 502 alice :Cant change mode for other users
            MODE nobody +i  | 401 alice nobody :No such nick/channel
            """)
    void userModeErrors(String line, String reply) {
        irc.send(alice, line);
        assertThat(alice.next()).isEqualTo(S + reply);
        assertThat(bob.hasLines()).isFalse();
    }
}
