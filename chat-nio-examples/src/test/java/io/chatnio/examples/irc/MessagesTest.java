package io.chatnio.examples.irc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Messages} in memory ({@link FakeIrc}): PRIVMSG and NOTICE to nicks and channels. JUnit thread only. */
class MessagesTest {
    private static final String S = ":chat-nio.local ";
    private static final String ALICE = ":alice!alice@127.0.0.1 ";
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
    void aChannelMessageReachesTheOtherMembersNeverTheSender() {
        irc.send(alice, "PRIVMSG #X :hello, #x: how are you?");
        assertThat(bob.drain()).containsExactly(ALICE + "PRIVMSG #x :hello, #x: how are you?");
        assertThat(alice.hasLines()).isFalse();
        assertThat(carol.hasLines()).isFalse();
        irc.send(alice, "NOTICE #x :a notice");
        assertThat(bob.drain()).containsExactly(ALICE + "NOTICE #x :a notice");
        assertThat(alice.hasLines()).isFalse();
    }

    @Test
    void aPrivateMessageReachesTheNick() {
        irc.send(alice, "PRIVMSG Carol :psst");
        assertThat(carol.drain()).containsExactly(ALICE + "PRIVMSG carol :psst");
        irc.send(alice, "NOTICE carol :psst again");
        assertThat(carol.drain()).containsExactly(ALICE + "NOTICE carol :psst again");
        irc.send(alice, "PRIVMSG carol one word only"); // no colon: the text is the one middle parameter
        assertThat(carol.drain()).containsExactly(ALICE + "PRIVMSG carol :one");
        assertThat(alice.hasLines()).isFalse();
    }

    @Test
    void errorsArePrivmsgsNumericsAndNoticesGetNothing() {
        irc.send(alice, "PRIVMSG nobody :x");
        assertThat(alice.next()).isEqualTo(S + "401 alice nobody :No such nick/channel");
        irc.send(alice, "PRIVMSG #nowhere :x");
        assertThat(alice.next()).isEqualTo(S + "401 alice #nowhere :No such nick/channel");
        irc.send(alice, "PRIVMSG");
        assertThat(alice.next()).isEqualTo(S + "411 alice :No recipient given (PRIVMSG)");
        irc.send(alice, "PRIVMSG bob");
        assertThat(alice.next()).isEqualTo(S + "412 alice :No text to send");
        irc.send(alice, "PRIVMSG bob :");
        assertThat(alice.next()).isEqualTo(S + "412 alice :No text to send");
        irc.send(carol, "PRIVMSG #x :from outside");
        assertThat(carol.next()).isEqualTo(S + "404 carol #x :Cannot send to channel");
        for (String notice : List.of("NOTICE nobody :x", "NOTICE #nowhere :x", "NOTICE", "NOTICE bob",
                "NOTICE bob :", "NOTICE a,b,c,d,e :x")) {
            irc.send(alice, notice);
        }
        irc.send(carol, "NOTICE #x :from outside");
        assertThat(alice.hasLines()).isFalse();
        assertThat(carol.hasLines()).isFalse();
        assertThat(bob.hasLines()).isFalse();
    }

    @Test
    void anAwayRecipientIsSaidSoForPrivmsgButNotForNotice() {
        irc.send(bob, "AWAY :lunch");
        bob.clear();
        irc.send(alice, "PRIVMSG bob :are you there?");
        assertThat(bob.drain()).containsExactly(ALICE + "PRIVMSG bob :are you there?");
        assertThat(alice.drain()).containsExactly(S + "301 alice bob :lunch");
        irc.send(alice, "NOTICE bob :fyi");
        assertThat(alice.hasLines()).isFalse();
        irc.send(alice, "PRIVMSG #x :to the channel"); // no 301 for channel members
        assertThat(alice.hasLines()).isFalse();
    }

    @Test
    void severalTargetsUpToTargmax() {
        irc.send(alice, "PRIVMSG bob,#x,carol :to all");
        assertThat(bob.drain()).containsExactly(ALICE + "PRIVMSG bob :to all", ALICE + "PRIVMSG #x :to all");
        assertThat(carol.drain()).containsExactly(ALICE + "PRIVMSG carol :to all");
        irc.send(alice, "PRIVMSG carol,carol,carol,carol,bob :many");
        assertThat(carol.drain()).hasSize(4);
        assertThat(bob.hasLines()).isFalse();
        assertThat(alice.next()).isEqualTo(S + "407 alice bob :Too many targets, at most 4");
    }

    @Test
    void aLongTextIsCutSoThatTheRelayedLineFitsIn512Bytes() {
        String text = "é".repeat(249); // 498 bytes: the client's line is 510 bytes, the longest there is
        String line = "PRIVMSG #x :" + text;
        assertThat(line.getBytes(StandardCharsets.UTF_8)).hasSize(510);
        irc.send(alice, line); // FakeIrc fails on any line over 512 bytes
        String relayed = bob.next();
        String got = relayed.substring((ALICE + "PRIVMSG #x :").length());
        assertThat(text).startsWith(got);
        assertThat(got.length()).isLessThan(text.length());
        assertThat((relayed + "\r\n").getBytes(StandardCharsets.UTF_8).length).isBetween(511, 512);
    }

    @Test
    void textIsRelayedAsTheBytesTheClientSent() {
        byte[] latin1 = {'P', 'R', 'I', 'V', 'M', 'S', 'G', ' ', '#', 'x', ' ', ':', 'c', 'a', 'f', (byte) 0xE9};
        irc.send(alice, latin1);
        byte[] line = bob.nextBytes();
        assertThat(new String(line, StandardCharsets.ISO_8859_1)).isEqualTo(ALICE + "PRIVMSG #x :caf\u00e9");
    }

    @Test
    void aChannelMessageToAThousandMembersIsFormattedOnce() {
        List<FakeIrc.Conn> members = new ArrayList<>();
        irc.send(alice, "JOIN #big");
        for (int i = 0; i < 999; i++) {
            FakeIrc.Conn c = irc.register("m" + i);
            irc.send(c, "JOIN #big");
            members.add(c);
        }
        for (FakeIrc.Conn c : members) {
            c.clear();
        }
        alice.clear();
        int fanouts = irc.fanoutsBegun;
        long bytes = irc.fanoutBytesPut;
        irc.send(alice, "PRIVMSG #big :one line for a thousand");
        String expected = ALICE + "PRIVMSG #big :one line for a thousand";
        assertThat(irc.fanoutsBegun - fanouts).isEqualTo(1);
        assertThat(irc.fanoutBytesPut - bytes).isEqualTo(expected.length() + 1); // once, with its CR
        for (FakeIrc.Conn c : members) {
            assertThat(c.drain()).containsExactly(expected);
        }
        assertThat(alice.hasLines()).isFalse();
    }
}
