package io.chatnio.examples.irc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ChannelCommands} in memory ({@link FakeIrc}): JOIN, PART, TOPIC, NAMES, LIST, KICK, MODE on channels.
 * JUnit thread only.
 */
class ChannelCommandsTest {
    private static final String S = ":chat-nio.local ";
    private static final String ALICE = ":alice!alice@127.0.0.1 ";
    private static final String BOB = ":bob!bob@127.0.0.1 ";
    private final FakeIrc irc = new FakeIrc();
    private FakeIrc.Conn alice;
    private FakeIrc.Conn bob;
    private FakeIrc.Conn carol;

    @BeforeEach
    void register() {
        alice = irc.register("alice");
        bob = irc.register("bob");
        carol = irc.register("carol");
    }

    /** alice creates #x (and is its operator), then bob joins. */
    private void aliceAndBobInX() {
        irc.send(alice, "JOIN #x");
        irc.send(bob, "JOIN #x");
        alice.clear();
        bob.clear();
    }

    @Test
    void theFirstMemberIsOperatorAndEachJoinerGetsJoinThenNames() {
        irc.send(alice, "JOIN #x");
        assertThat(alice.drain()).containsExactly(
                ALICE + "JOIN #x",
                S + "353 alice = #x :@alice",
                S + "366 alice #x :End of /NAMES list");
        irc.send(bob, "join #X"); // the same channel, by the casemapping: its name stays as created
        assertThat(bob.drain()).containsExactly(
                BOB + "JOIN #x",
                S + "353 bob = #x :@alice bob",
                S + "366 bob #x :End of /NAMES list");
        assertThat(alice.drain()).containsExactly(BOB + "JOIN #x");
        irc.send(bob, "JOIN #x"); // already in: nothing
        assertThat(bob.hasLines()).isFalse();
    }

    @Test
    void aJoinerGetsTheTopicBeforeTheNames() {
        irc.send(alice, "JOIN #x");
        irc.send(alice, "TOPIC #x :the topic");
        irc.send(bob, "JOIN #x");
        assertThat(bob.drain()).containsExactly(
                BOB + "JOIN #x",
                S + "332 bob #x :the topic",
                S + "333 bob #x alice " + FakeIrc.NOW,
                S + "353 bob = #x :@alice bob",
                S + "366 bob #x :End of /NAMES list");
    }

    @Test
    void joinTakesAListSkipsBadNamesAndZeroPartsEverything() {
        irc.send(alice, "JOIN #a,b,#b,#a:x key1,key2");
        List<String> lines = alice.drain();
        assertThat(lines).contains(ALICE + "JOIN #a", S + "403 alice b :No such channel", ALICE + "JOIN #b",
                S + "403 alice #a:x :No such channel");
        irc.send(bob, "JOIN #a");
        alice.clear();
        irc.send(alice, "JOIN 0");
        assertThat(alice.drain()).containsExactlyInAnyOrder(ALICE + "PART #a", ALICE + "PART #b");
        assertThat(bob.drain()).containsExactly(BOB + "JOIN #a", S + "353 bob = #a :@alice bob",
                S + "366 bob #a :End of /NAMES list", ALICE + "PART #a");
        irc.send(alice, "JOIN");
        assertThat(alice.next()).isEqualTo(S + "461 alice JOIN :Not enough parameters");
    }

    @Test
    void aClientJoinsAtMostChanlimitChannels() {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i <= Names.CHANLIMIT; i++) {
            list.append(i == 0 ? "" : ",").append("#c").append(i);
        }
        irc.send(alice, "JOIN " + list);
        List<String> lines = alice.drain();
        assertThat(lines.stream().filter(l -> l.startsWith(ALICE + "JOIN "))).hasSize(Names.CHANLIMIT);
        assertThat(lines).last().isEqualTo(S + "405 alice #c" + Names.CHANLIMIT + " :You have joined too many channels");
    }

    @Test
    void partWithAndWithoutReason() {
        aliceAndBobInX();
        irc.send(bob, "PART #x :see you");
        assertThat(bob.drain()).containsExactly(BOB + "PART #x :see you");
        assertThat(alice.drain()).containsExactly(BOB + "PART #x :see you");
        irc.send(alice, "PART #x");
        assertThat(alice.drain()).containsExactly(ALICE + "PART #x");
        irc.send(alice, "LIST"); // the empty channel is gone
        assertThat(alice.drain()).containsExactly(S + "321 alice Channel :Users  Name", S + "323 alice :End of /LIST");
    }

    @Test
    void partErrors() {
        irc.send(alice, "JOIN #x");
        alice.clear();
        irc.send(bob, "PART");
        assertThat(bob.next()).isEqualTo(S + "461 bob PART :Not enough parameters");
        irc.send(bob, "PART #nowhere");
        assertThat(bob.next()).isEqualTo(S + "403 bob #nowhere :No such channel");
        irc.send(bob, "PART #x");
        assertThat(bob.next()).isEqualTo(S + "442 bob #x :You're not on that channel");
        assertThat(alice.hasLines()).isFalse();
    }

    @Test
    void topicQuerySetAndClear() {
        aliceAndBobInX();
        irc.send(bob, "TOPIC #x");
        assertThat(bob.next()).isEqualTo(S + "331 bob #x :No topic is set");
        irc.send(alice, "TOPIC #x :Hello: world");
        assertThat(alice.drain()).containsExactly(ALICE + "TOPIC #x :Hello: world");
        assertThat(bob.drain()).containsExactly(ALICE + "TOPIC #x :Hello: world");
        irc.send(bob, "TOPIC #x");
        assertThat(bob.drain()).containsExactly(S + "332 bob #x :Hello: world",
                S + "333 bob #x alice " + FakeIrc.NOW);
        irc.send(alice, "TOPIC #x :");
        assertThat(bob.drain()).containsExactly(ALICE + "TOPIC #x :");
        irc.send(bob, "TOPIC #x");
        assertThat(bob.next()).isEqualTo(S + "331 bob #x :No topic is set");
    }

    @Test
    void topicErrorsAndProtection() {
        aliceAndBobInX();
        irc.send(bob, "TOPIC #x :mine");
        assertThat(bob.next()).isEqualTo(S + "482 bob #x :You're not channel operator");
        irc.send(alice, "MODE #x -t");
        alice.clear();
        bob.clear();
        irc.send(bob, "TOPIC #x :mine now");
        assertThat(alice.next()).isEqualTo(BOB + "TOPIC #x :mine now");
        irc.send(carol, "TOPIC #x");
        assertThat(carol.next()).isEqualTo(S + "442 carol #x :You're not on that channel");
        irc.send(carol, "TOPIC #y");
        assertThat(carol.next()).isEqualTo(S + "403 carol #y :No such channel");
        irc.send(carol, "TOPIC");
        assertThat(carol.next()).isEqualTo(S + "461 carol TOPIC :Not enough parameters");
    }

    @Test
    void aTopicIsCutToTopiclen() {
        irc.send(alice, "JOIN #x");
        alice.clear();
        irc.send(alice, "TOPIC #x :" + "t".repeat(400));
        assertThat(alice.next()).isEqualTo(ALICE + "TOPIC #x :" + "t".repeat(Names.TOPICLEN));
    }

    @Test
    void namesOfChannelsOfNoneAndOfEverything() {
        aliceAndBobInX();
        irc.send(carol, "NAMES #x,#nowhere");
        assertThat(carol.drain()).containsExactly(S + "353 carol = #x :@alice bob",
                S + "366 carol #x :End of /NAMES list", S + "366 carol #nowhere :End of /NAMES list");
        irc.send(carol, "NAMES");
        assertThat(carol.drain()).containsExactly(S + "353 carol = #x :@alice bob", S + "353 carol = * :carol",
                S + "366 carol * :End of /NAMES list");
    }

    @Test
    void namesOfABigChannelAreSplitIntoLinesThatFit() {
        irc.send(alice, "JOIN #big");
        for (int i = 0; i < 100; i++) {
            FakeIrc.Conn c = irc.register("member" + "x".repeat(20) + i);
            irc.send(c, "JOIN #big");
        }
        alice.clear();
        irc.send(alice, "NAMES #big"); // FakeIrc checks that every line is at most 512 bytes
        List<String> lines = alice.drain();
        assertThat(lines.size()).isGreaterThan(2);
        assertThat(lines.subList(0, lines.size() - 1)).allSatisfy(l -> assertThat(l).startsWith(S + "353 alice = #big :"));
        long nicks = lines.stream().filter(l -> l.contains(" 353 ")).mapToLong(l -> l.split(" :", 2)[1].split(" ").length).sum();
        assertThat(nicks).isEqualTo(101);
    }

    @Test
    void listShowsEachChannelWithItsSizeAndTopic() {
        aliceAndBobInX();
        irc.send(alice, "TOPIC #x :about x");
        irc.send(carol, "JOIN #y");
        carol.clear();
        irc.send(carol, "LIST");
        assertThat(carol.drain()).containsExactly(S + "321 carol Channel :Users  Name", S + "322 carol #x 2 :about x",
                S + "322 carol #y 1 :", S + "323 carol :End of /LIST");
        irc.send(carol, "LIST #Y,#none");
        assertThat(carol.drain()).containsExactly(S + "321 carol Channel :Users  Name", S + "322 carol #y 1 :",
                S + "323 carol :End of /LIST");
    }

    @Test
    void kickByAnOperator() {
        aliceAndBobInX();
        irc.send(carol, "JOIN #x");
        alice.clear();
        bob.clear();
        carol.clear();
        irc.send(alice, "KICK #x bob :behave");
        assertThat(alice.drain()).containsExactly(ALICE + "KICK #x bob :behave");
        assertThat(bob.drain()).containsExactly(ALICE + "KICK #x bob :behave");
        assertThat(carol.drain()).containsExactly(ALICE + "KICK #x bob :behave");
        irc.send(bob, "PRIVMSG #x :let me in"); // no longer a member, and #x is +n
        assertThat(bob.next()).isEqualTo(S + "404 bob #x :Cannot send to channel");
        irc.send(alice, "KICK #x carol");
        assertThat(carol.next()).isEqualTo(ALICE + "KICK #x carol :alice"); // the default comment
    }

    @Test
    void kickErrors() {
        aliceAndBobInX();
        irc.send(bob, "KICK #x alice");
        assertThat(bob.next()).isEqualTo(S + "482 bob #x :You're not channel operator");
        irc.send(carol, "KICK #x alice");
        assertThat(carol.next()).isEqualTo(S + "442 carol #x :You're not on that channel");
        irc.send(alice, "KICK #x carol");
        assertThat(alice.next()).isEqualTo(S + "441 alice carol #x :They aren't on that channel");
        irc.send(alice, "KICK #x nobody");
        assertThat(alice.next()).isEqualTo(S + "401 alice nobody :No such nick/channel");
        irc.send(alice, "KICK #y bob");
        assertThat(alice.next()).isEqualTo(S + "403 alice #y :No such channel");
        irc.send(alice, "KICK #x");
        assertThat(alice.next()).isEqualTo(S + "461 alice KICK :Not enough parameters");
        assertThat(bob.hasLines()).isFalse();
    }

    @Test
    void modeQueryAndBanList() {
        aliceAndBobInX();
        irc.send(bob, "MODE #x");
        assertThat(bob.drain()).containsExactly(S + "324 bob #x +nt", S + "329 bob #x " + FakeIrc.NOW);
        irc.send(bob, "MODE #x b");
        assertThat(bob.next()).isEqualTo(S + "368 bob #x :End of channel ban list");
        irc.send(bob, "MODE #nowhere");
        assertThat(bob.next()).isEqualTo(S + "403 bob #nowhere :No such channel");
        irc.send(bob, "MODE");
        assertThat(bob.next()).isEqualTo(S + "461 bob MODE :Not enough parameters");
    }

    @Test
    void operatorsChangeModesAndEveryMemberIsTold() {
        aliceAndBobInX();
        irc.send(bob, "MODE #x -n");
        assertThat(bob.next()).isEqualTo(S + "482 bob #x :You're not channel operator");
        irc.send(alice, "MODE #x -nt+o bob");
        assertThat(alice.drain()).containsExactly(ALICE + "MODE #x -nt+o bob");
        assertThat(bob.drain()).containsExactly(ALICE + "MODE #x -nt+o bob");
        irc.send(bob, "MODE #x");
        assertThat(bob.next()).isEqualTo(S + "324 bob #x +");
        bob.clear();
        irc.send(carol, "PRIVMSG #x :from outside"); // -n: allowed now
        assertThat(bob.next()).isEqualTo(":carol!carol@127.0.0.1 PRIVMSG #x :from outside");
        alice.clear();
        irc.send(bob, "MODE #x -o+n alice");
        assertThat(alice.next()).isEqualTo(BOB + "MODE #x -o+n alice");
        irc.send(alice, "NAMES #x");
        assertThat(alice.next()).isEqualTo(S + "353 alice = #x :alice @bob");
        bob.clear();
        irc.send(bob, "MODE #x +n"); // already set: nothing changes, nothing is said
        assertThat(bob.drain()).isEmpty();
    }

    @Test
    void modeErrorsAndIgnoredModes() {
        aliceAndBobInX();
        irc.send(alice, "MODE #x +k secret");
        assertThat(alice.drain()).containsExactly(S + "472 alice k :is unknown mode char to me");
        irc.send(alice, "MODE #x +b *!*@*");
        assertThat(alice.drain()).containsExactly(S + "472 alice b :is unknown mode char to me");
        irc.send(alice, "MODE #x +o");  // no parameter: ignored
        assertThat(alice.drain()).isEmpty();
        irc.send(alice, "MODE #x +o carol");
        assertThat(alice.next()).isEqualTo(S + "441 alice carol #x :They aren't on that channel");
        irc.send(alice, "MODE #x +o nobody");
        assertThat(alice.next()).isEqualTo(S + "401 alice nobody :No such nick/channel");
        for (int i = 0; i < 5; i++) {
            irc.send(irc.register("m" + i), "JOIN #x");
        }
        alice.clear();
        irc.send(alice, "MODE #x +ooooo m0 m1 m2 m3 m4"); // at most MODES=4 of them
        assertThat(alice.drain()).containsExactly(ALICE + "MODE #x +oooo m0 m1 m2 m3");
    }
}
