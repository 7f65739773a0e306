package io.chatnio.examples.irc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Names}, {@link Key} and {@link Utf8} in memory: validation, the casemapping, cutting text. */
class NamesTest {

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean nick(String s) {
        ByteBuffer b = bytes(s);
        return Names.isNick(b, 0, b.limit());
    }

    private static boolean channel(String s) {
        ByteBuffer b = bytes(s);
        return Names.isChannel(b, 0, b.limit());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "Alice", "bob_", "[x]", "{x}", "a\\b", "a|b", "^_^", "`q", "x-1", "A23456789012345678901234567890"})
    void validNicks(String s) {
        assertThat(nick(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1a", "-a", "#a", ":a", "a b", "a,b", "a!b", "a@b", "a.b", "é",
        "A234567890123456789012345678901"})
    void invalidNicks(String s) {
        assertThat(nick(s)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"#a", "#chan-nel", "#Grüße", "#你好", "#a.b", "##", "#" + "x"})
    void validChannels(String s) {
        assertThat(channel(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "#", "a", "&a", "#a,b", "#a:b", "#a\u0007", "#a b"})
    void invalidChannels(String s) {
        assertThat(channel(s)).isFalse();
    }

    @Test
    void aChannelNameIsAtMostChannellenBytesOfValidUtf8() {
        assertThat(channel("#" + "x".repeat(Names.CHANNELLEN - 1))).isTrue();
        assertThat(channel("#" + "x".repeat(Names.CHANNELLEN))).isFalse();
        ByteBuffer latin1 = ByteBuffer.wrap(new byte[] {'#', (byte) 0xE9});
        assertThat(Names.isChannel(latin1, 0, 2)).isFalse();
    }

    @Test
    void userNames() {
        assertThat(Names.isUser("alice")).isTrue();
        assertThat(Names.isUser("~x.y-z")).isTrue();
        assertThat(Names.isUser("a@b")).isFalse();
        assertThat(Names.isUser("a!b")).isFalse();
        assertThat(Names.isUser("")).isFalse();
        assertThat(Names.isUser("é")).isFalse();
    }

    @Test
    void theAsciiCasemappingFoldsLettersOnly() {
        assertThat(Key.of("Alice")).isEqualTo(Key.of("aLICE")).hasSameHashCodeAs(Key.of("alice"));
        assertThat(Key.of("#Chan")).isEqualTo(Key.of("#chan"));
        assertThat(Key.of("[a]")).isNotEqualTo(Key.of("{a}")); // rfc1459 would fold these; ascii does not
        assertThat(Key.of("a\\b")).isNotEqualTo(Key.of("a|b"));
        assertThat(Key.of("Ä")).isNotEqualTo(Key.of("ä"));
    }

    @Test
    void aProbeLooksUpFromBytesAndGrows() {
        Key probe = Key.probe();
        ByteBuffer b = bytes("xxALICEyy");
        assertThat(probe.set(b, 2, 7)).isEqualTo(Key.of("alice"));
        String longName = "#" + "Q".repeat(200);
        ByteBuffer l = bytes(longName);
        assertThat(probe.set(l, 0, l.limit())).isEqualTo(Key.of(longName.toLowerCase()));
    }

    @Test
    void utf8IsCutAtACharacterBoundary() {
        byte[] b = "aé你".getBytes(StandardCharsets.UTF_8); // 1 + 2 + 3 bytes
        assertThat(Utf8.cut(b, 6)).isEqualTo(6);
        assertThat(Utf8.cut(b, 5)).isEqualTo(3);
        assertThat(Utf8.cut(b, 2)).isEqualTo(1);
        assertThat(Utf8.cut(b, 0)).isZero();
        assertThat(Utf8.truncate(b, 100)).isSameAs(b);
        assertThat(Utf8.isValid(b)).isTrue();
        assertThat(Utf8.isValid(new byte[] {(byte) 0xE4, (byte) 0xBD})).isFalse();
    }

    @Test
    void isupportHasAtMostThirteenTokensPerLineAndEscapesValues() {
        assertThat(Isupport.lines("chat-nio")).allSatisfy(l -> assertThat(l).hasSizeBetween(1, 13));
        assertThat(Isupport.lines("chat-nio").stream().flatMap(java.util.List::stream))
                .contains("CASEMAPPING=ascii", "CHANTYPES=#", "PREFIX=(o)@", "CHANMODES=,,,nt", "NICKLEN=30",
                        "CHANNELLEN=50", "TOPICLEN=307", "NETWORK=chat-nio");
        assertThat(Isupport.escape("a b=c\\")).isEqualTo("a\\x20b\\x3Dc\\x5C");
    }
}
