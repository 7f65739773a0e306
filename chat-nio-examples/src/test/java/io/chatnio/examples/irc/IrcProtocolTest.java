package io.chatnio.examples.irc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The IRC server end to end over plain loopback sockets: every command and every numeric it sends, the line
 * rules (CR LF or LF in, CR LF out, 512 bytes), QUIT and PING. Each client reads the reply to a command before
 * another client acts on it, so the order the server sees is the order the test means.
 *
 * <p>Threads: each test runs on the JUnit thread with blocking {@link IrcTestClient}s; the server runs on its
 * own loop thread.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IrcProtocolTest {
    private static final String S = ":chat-nio.local ";
    private IrcServer server;

    @BeforeEach
    void start() throws IOException {
        server = IrcServer.start(IrcServer.Options.defaults().withPort(0));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private IrcTestClient register(String nick) throws IOException {
        return IrcTestClient.register(server.address(), nick);
    }

    @Test
    void registrationWithCapabilityNegotiationAndTheWelcomeBurst() throws IOException {
        try (IrcTestClient a = IrcTestClient.connect(server.address())) {
            a.sendRaw("CAP LS 302\nPASS ignored\nNICK alice\nUSER alice 0 * :Alice L\n".getBytes(StandardCharsets.UTF_8));
            a.expect(S + "CAP * LS :");
            a.send("CAP REQ :sasl");
            a.expect(S + "CAP alice NAK :sasl");
            a.send("CAP END");
            a.expect(S + "001 alice :Welcome to the chat-nio Network, alice!alice@127.0.0.1");
            a.expect(S + "002 alice :Your host is chat-nio.local, running version " + IrcServer.VERSION);
            assertThat(a.readLine()).startsWith(S + "003 alice :This server was created ");
            a.expect(S + "004 alice chat-nio.local " + IrcServer.VERSION + " i not o");
            assertThat(a.readLine()).startsWith(S + "005 alice ").contains("CASEMAPPING=ascii", "CHANTYPES=#",
                    "NICKLEN=30", "CHANNELLEN=50", "TOPICLEN=307", "PREFIX=(o)@", "CHANMODES=,,,nt",
                    "NETWORK=chat-nio");
            a.expect(S + "005 alice USERLEN=18 :are supported by this server");
            a.expect(S + "375 alice :- chat-nio.local Message of the day - ");
            assertThat(a.readLine()).startsWith(S + "372 alice :- ");
            assertThat(a.readLine()).startsWith(S + "372 alice :- ");
            a.expect(S + "376 alice :End of /MOTD command.");
            a.send("MOTD");
            assertThat(a.readUntil(l -> l.contains(" 376 "))).hasSize(4);
        }
    }

    @Test
    void registrationErrors() throws IOException {
        try (IrcTestClient alice = register("alice");
             IrcTestClient b = IrcTestClient.connect(server.address())) {
            b.send("JOIN #x");
            b.expect(S + "451 * :You have not registered");
            b.send("NICK");
            b.expect(S + "431 * :No nickname given");
            b.send("NICK 1abc");
            b.expect(S + "432 * 1abc :Erroneous nickname");
            b.send("NICK Alice");
            b.expect(S + "433 * Alice :Nickname is already in use");
            b.send("USER bob 0 *");
            b.expect(S + "461 * USER :Not enough parameters");
            b.send("USER b@d 0 * :x");
            b.expect(S + "468 * :Your username is not valid");
            b.send("CAP FOO");
            b.expect(S + "410 * FOO :Invalid CAP command");
            b.send("PING");
            b.expect(S + "409 * :No origin specified");
            b.send("PING :are you there");
            b.expect(S + "PONG chat-nio.local :are you there");
            b.send("NICK bob");
            b.send("USER bob 0 * :Bob");
            b.expectCode("001");
            b.expectCode("376");
            b.send("USER bob 0 * :Bob");
            b.expect(S + "462 bob :You may not reregister");
            b.send("FROB");
            b.expect(S + "421 bob FROB :Unknown command");
            alice.send("PING :sync");
            alice.expect(S + "PONG chat-nio.local :sync"); // alice was told nothing of it
        }
    }

    @Test
    void channels() throws IOException {
        try (IrcTestClient alice = register("alice");
             IrcTestClient bob = register("bob");
             IrcTestClient carol = register("carol")) {
            alice.send("JOIN #x");
            alice.expect(":alice!alice@127.0.0.1 JOIN #x");
            alice.expect(S + "353 alice = #x :@alice");
            alice.expect(S + "366 alice #x :End of /NAMES list");
            alice.send("TOPIC #x");
            alice.expect(S + "331 alice #x :No topic is set");
            alice.send("TOPIC #x :Welcome!");
            alice.expect(":alice!alice@127.0.0.1 TOPIC #x :Welcome!");

            bob.send("JOIN #X,#y");
            bob.expect(":bob!bob@127.0.0.1 JOIN #x");
            bob.expect(S + "332 bob #x :Welcome!");
            assertThat(bob.readLine()).matches(S.replace(".", "\\.") + "333 bob #x alice \\d+");
            bob.expect(S + "353 bob = #x :@alice bob");
            bob.expect(S + "366 bob #x :End of /NAMES list");
            bob.expect(":bob!bob@127.0.0.1 JOIN #y");
            bob.expectCode("366");
            alice.expect(":bob!bob@127.0.0.1 JOIN #x");

            bob.send("TOPIC #x :mine");
            bob.expect(S + "482 bob #x :You're not channel operator");
            carol.send("TOPIC #x");
            carol.expect(S + "442 carol #x :You're not on that channel");
            carol.send("PART #x");
            carol.expect(S + "442 carol #x :You're not on that channel");
            carol.send("PART #none");
            carol.expect(S + "403 carol #none :No such channel");
            carol.send("JOIN x");
            carol.expect(S + "403 carol x :No such channel");

            carol.send("NAMES #x");
            carol.expect(S + "353 carol = #x :@alice bob");
            carol.expect(S + "366 carol #x :End of /NAMES list");
            carol.send("LIST");
            carol.expect(S + "321 carol Channel :Users  Name");
            carol.expect(S + "322 carol #x 2 :Welcome!");
            carol.expect(S + "322 carol #y 1 :");
            carol.expect(S + "323 carol :End of /LIST");

            alice.send("MODE #x");
            alice.expect(S + "324 alice #x +nt");
            assertThat(alice.readLine()).startsWith(S + "329 alice #x ");
            alice.send("MODE #x b");
            alice.expect(S + "368 alice #x :End of channel ban list");
            alice.send("MODE #x +kt key");
            alice.expect(S + "472 alice k :is unknown mode char to me");
            bob.send("MODE #x -t");
            bob.expect(S + "482 bob #x :You're not channel operator");
            alice.send("MODE #x -t+o bob");
            alice.expect(":alice!alice@127.0.0.1 MODE #x -t+o bob");
            bob.expect(":alice!alice@127.0.0.1 MODE #x -t+o bob");

            carol.send("JOIN #x");
            carol.expectCode("366");
            alice.expect(":carol!carol@127.0.0.1 JOIN #x");
            bob.expect(":carol!carol@127.0.0.1 JOIN #x");
            bob.send("KICK #x carol :out");
            for (IrcTestClient c : List.of(alice, bob, carol)) {
                c.expect(":bob!bob@127.0.0.1 KICK #x carol :out");
            }
            bob.send("KICK #x carol");
            bob.expect(S + "441 bob carol #x :They aren't on that channel");
            carol.send("KICK #x bob");
            carol.expect(S + "442 carol #x :You're not on that channel");

            bob.send("PART #x :later");
            bob.expect(":bob!bob@127.0.0.1 PART #x :later");
            alice.expect(":bob!bob@127.0.0.1 PART #x :later");
            bob.send("JOIN 0");
            bob.expect(":bob!bob@127.0.0.1 PART #y");
        }
    }

    @Test
    void tooManyChannels() throws IOException {
        try (IrcTestClient alice = register("alice")) {
            StringBuilder list = new StringBuilder("#c0");
            for (int i = 1; i <= Names.CHANLIMIT; i++) {
                list.append(",#c").append(i);
            }
            alice.send("JOIN " + list);
            List<String> lines = alice.readUntil(l -> l.contains(" 405 "));
            assertThat(lines).last().isEqualTo(S + "405 alice #c50 :You have joined too many channels");
            assertThat(lines.stream().filter(l -> l.contains(" JOIN "))).hasSize(Names.CHANLIMIT);
        }
    }

    @Test
    void messages() throws IOException {
        try (IrcTestClient alice = register("alice");
             IrcTestClient bob = register("bob");
             IrcTestClient carol = register("carol")) {
            for (IrcTestClient c : List.of(alice, bob)) {
                c.send("JOIN #x");
                c.expectCode("366");
            }
            alice.expect(":bob!bob@127.0.0.1 JOIN #x");
            alice.send("PRIVMSG #x :hello, channel");
            bob.expect(":alice!alice@127.0.0.1 PRIVMSG #x :hello, channel");
            alice.send("NOTICE #x :a notice");
            bob.expect(":alice!alice@127.0.0.1 NOTICE #x :a notice");
            bob.send("PRIVMSG alice :hi alice");
            alice.expect(":bob!bob@127.0.0.1 PRIVMSG alice :hi alice"); // not the channel lines: never echoed
            carol.send("PRIVMSG #x :from outside");
            carol.expect(S + "404 carol #x :Cannot send to channel");
            carol.send("PRIVMSG nobody :x");
            carol.expect(S + "401 carol nobody :No such nick/channel");
            carol.send("PRIVMSG");
            carol.expect(S + "411 carol :No recipient given (PRIVMSG)");
            carol.send("PRIVMSG bob");
            carol.expect(S + "412 carol :No text to send");
            carol.send("PRIVMSG a,b,c,d,e :x");
            assertThat(carol.readUntil(l -> l.contains(" 407 "))).last()
                    .isEqualTo(S + "407 carol e :Too many targets, at most 4");
            carol.send("NOTICE nobody :x"); // a NOTICE is never answered
            carol.send("AWAY :brb");
            carol.expect(S + "306 carol :You have been marked as being away");
            alice.send("PRIVMSG carol :you there?");
            carol.expect(":alice!alice@127.0.0.1 PRIVMSG carol :you there?");
            alice.expect(S + "301 alice carol :brb");
            carol.send("AWAY");
            carol.expect(S + "305 carol :You are no longer marked as being away");
            byte[] latin1 = {'P', 'R', 'I', 'V', 'M', 'S', 'G', ' ', 'b', 'o', 'b', ' ', ':', 'c', 'a', 'f',
                (byte) 0xE9, '\r', '\n'};
            alice.sendRaw(latin1);
            byte[] got = bob.readLineBytes();
            assertThat(new String(got, StandardCharsets.ISO_8859_1)).isEqualTo(":alice!alice@127.0.0.1 PRIVMSG bob :caf\u00e9");
        }
    }

    @Test
    void users() throws IOException {
        try (IrcTestClient alice = register("alice");
             IrcTestClient bob = register("bob")) {
            alice.send("JOIN #x");
            alice.expectCode("366");
            alice.send("WHO #x");
            alice.expect(S + "352 alice #x alice 127.0.0.1 chat-nio.local alice H@ :0 alice test");
            alice.expect(S + "315 alice #x :End of WHO list");
            alice.send("WHO b*");
            alice.expect(S + "352 alice * bob 127.0.0.1 chat-nio.local bob H :0 bob test");
            alice.expect(S + "315 alice b* :End of WHO list");
            bob.send("WHOIS alice");
            bob.expect(S + "311 bob alice alice 127.0.0.1 * :alice test");
            bob.expect(S + "319 bob alice :@#x");
            bob.expect(S + "312 bob alice chat-nio.local :chat-nio");
            bob.expect(S + "318 bob alice :End of /WHOIS list");
            bob.send("WHOIS nobody");
            bob.expect(S + "401 bob nobody :No such nick/channel");
            bob.expect(S + "318 bob nobody :End of /WHOIS list");
            bob.send("MODE bob");
            bob.expect(S + "221 bob +");
            bob.send("MODE bob +i");
            bob.expect(":bob!bob@127.0.0.1 MODE bob :+i");
            bob.send("MODE bob +z");
            bob.expect(S + "501 bob :Unknown MODE flag");
            bob.send("MODE alice");
            bob.expect(S + "502 bob :Cant change mode for other users");
            bob.send("MODE");
            bob.expect(S + "461 bob MODE :Not enough parameters");
        }
    }

    @Test
    void nickChangesAreToldToPeersOnce() throws IOException {
        try (IrcTestClient alice = register("alice");
             IrcTestClient bob = register("bob")) {
            for (IrcTestClient c : List.of(alice, bob)) {
                c.send("JOIN #a,#b");
                c.expectCode("366");
                c.expectCode("366");
            }
            alice.readUntil(l -> l.endsWith("JOIN #b"));
            bob.send("NICK robert");
            bob.expect(":bob!bob@127.0.0.1 NICK :robert");
            alice.expect(":bob!bob@127.0.0.1 NICK :robert");
            alice.send("PRIVMSG robert :once?");
            bob.expect(":alice!alice@127.0.0.1 PRIVMSG robert :once?"); // no second NICK line came first
        }
    }

    @Test
    void quitIsToldToEachPeerOnceThenTheServerCloses() throws IOException {
        try (IrcTestClient alice = register("alice");
             IrcTestClient bob = register("bob");
             IrcTestClient carol = register("carol")) {
            for (IrcTestClient c : List.of(alice, bob)) {
                c.send("JOIN #a,#b");
                c.expectCode("366");
                c.expectCode("366");
            }
            alice.readUntil(l -> l.endsWith("JOIN #b"));
            alice.send("QUIT :bye all");
            alice.expect("ERROR :Closing Link: 127.0.0.1 (Quit: bye all)");
            assertThat(alice.closedByServer()).isTrue();
            bob.expect(":alice!alice@127.0.0.1 QUIT :Quit: bye all");
            bob.send("NAMES #a");
            bob.expect(S + "353 bob = #a :bob"); // once: the next line is the answer, not a second QUIT
            carol.send("PING :x");
            carol.expect(S + "PONG chat-nio.local :x"); // carol shares no channel: told nothing
        }
    }

    @Test
    void aDroppedConnectionIsAQuitForItsPeers() throws IOException {
        try (IrcTestClient bob = register("bob")) {
            IrcTestClient alice = register("alice");
            alice.send("JOIN #a");
            alice.expectCode("366");
            bob.send("JOIN #a");
            bob.expectCode("366");
            alice.close();
            bob.expect(":alice!alice@127.0.0.1 QUIT :Connection closed");
        }
    }

    @Test
    void linesOfUpTo512BytesWithCrLfOrLfAreAcceptedLongerOnesCloseTheConnection() throws IOException {
        try (IrcTestClient alice = register("alice");
             IrcTestClient bob = register("bob")) {
            String prefix = "PRIVMSG bob :";
            String longest = prefix + "x".repeat(510 - prefix.length());
            alice.send(longest); // 512 bytes with CR LF
            String got = bob.readLine();
            assertThat(got).startsWith(":alice!alice@127.0.0.1 PRIVMSG bob :xxx"); // cut to fit 512 bytes
            alice.sendRaw((prefix + "LF only\n").getBytes(StandardCharsets.UTF_8));
            bob.expect(":alice!alice@127.0.0.1 PRIVMSG bob :LF only");
            alice.sendRaw(("JOIN #a\r\n\r\n\nPRIVMSG bob :after empty lines\r\n").getBytes(StandardCharsets.UTF_8));
            alice.expectCode("366");
            bob.expect(":alice!alice@127.0.0.1 PRIVMSG bob :after empty lines");
            bob.send("JOIN #a");
            bob.expectCode("366");
            alice.expect(":bob!bob@127.0.0.1 JOIN #a");
            alice.send(prefix + "y".repeat(511 - prefix.length())); // 513 bytes with CR LF
            assertThat(alice.closedByServer()).isTrue();
            bob.expect(":alice!alice@127.0.0.1 QUIT :Input line was too long");
        }
    }

    @Test
    void aSilentClientIsPingedAndClosedOneThatAnswersStays() throws IOException {
        server.close();
        // a PING after 400 ms of silence; 2 s to answer it, ample on a loaded machine
        server = IrcServer.start(IrcServer.Options.defaults().withPort(0)
                .withPings(Duration.ofMillis(400), Duration.ofSeconds(2)));
        try (IrcTestClient alive = register("alive");
             IrcTestClient silent = register("silent")) {
            for (IrcTestClient c : List.of(alive, silent)) {
                c.send("JOIN #a");
                c.expectCode("366");
            }
            alive.expect(":silent!silent@127.0.0.1 JOIN #a");
            silent.expect("PING :chat-nio.local"); // and then it says nothing
            int pings = 0;
            while (true) { // "alive" answers every PING until "silent" is gone
                String line = alive.readLine();
                if (line.equals("PING :chat-nio.local")) {
                    pings++;
                    alive.send("PONG :chat-nio.local");
                } else {
                    assertThat(line).isEqualTo(":silent!silent@127.0.0.1 QUIT :Ping timeout");
                    break;
                }
            }
            assertThat(pings).isPositive();
            assertThat(silent.closedByServer()).isTrue();
            alive.send("NAMES #a");
            List<String> names = alive.readUntil(l -> l.contains(" 366 "));
            assertThat(names).contains(S + "353 alive = #a :@alive");
        }
    }

    @Test
    void aConnectionOverTheLimitGetsAnErrorLine() throws IOException {
        server.close();
        server = IrcServer.start(IrcServer.Options.defaults().withPort(0).withMaxConnections(1));
        try (IrcTestClient a = register("a");
             IrcTestClient b = IrcTestClient.connect(server.address())) {
            b.expect("ERROR :Closing Link: 127.0.0.1 (Too many connections)");
            assertThat(b.closedByServer()).isTrue();
            a.send("PING :still");
            a.expect(S + "PONG chat-nio.local :still");
        }
    }
}
