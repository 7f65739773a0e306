package io.chatnio.examples.irc;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatnio.MessageWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link IrcLine} in memory: the message grammar of RFC 1459/2812 and the Modern document. JUnit thread only. */
class IrcLineTest {
    private final IrcLine line = new IrcLine();

    /** Parses {@code text} placed at an offset inside a larger buffer, as the loop's read buffer holds lines. */
    private boolean parse(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(b.length + 10);
        buf.put(new byte[] {'x', 'x', 'x'}).put(b).put(new byte[] {'y', 'y'});
        buf.position(3).limit(3 + b.length);
        return line.parse(buf);
    }

    private List<String> params() {
        List<String> p = new ArrayList<>();
        for (int i = 0; i < line.size(); i++) {
            p.add(line.param(i));
        }
        return p;
    }

    @Test
    void verbAndMiddleAndTrailingParameters() {
        assertThat(parse("PRIVMSG #chan :Hello, world: and more")).isTrue();
        assertThat(line.verb()).isEqualTo("PRIVMSG");
        assertThat(params()).containsExactly("#chan", "Hello, world: and more");
    }

    @Test
    void theTrailingParameterIsAnOrdinaryParameterWithOrWithoutItsColon() {
        parse("PRIVMSG #chan Hey!");
        assertThat(params()).containsExactly("#chan", "Hey!");
        parse("PRIVMSG #chan ::-)");
        assertThat(params()).containsExactly("#chan", ":-)");
        parse("TOPIC #chan :");
        assertThat(params()).containsExactly("#chan", "");
        assertThat(line.has(1)).isFalse();
        assertThat(line.size()).isEqualTo(2);
    }

    @Test
    void verbsAreCaseInsensitiveAndKnownOnesAreConstants() {
        parse("privmsg a :b");
        assertThat(line.verb()).isSameAs("PRIVMSG");
        parse("Join #a");
        assertThat(line.verb()).isSameAs("JOIN");
        parse("frobnicate x");
        assertThat(line.verb()).isEqualTo("FROBNICATE");
        parse("001 x");
        assertThat(line.verb()).isEqualTo("001");
    }

    @Test
    void extraSpacesSeparateLikeOne() {
        parse("  JOIN    #a,#b    key  ");
        assertThat(line.verb()).isEqualTo("JOIN");
        assertThat(params()).containsExactly("#a,#b", "key");
        parse("PRIVMSG a   :  spaced  text ");
        assertThat(params()).containsExactly("a", "  spaced  text ");
    }

    @Test
    void aSourceAndTagsFromAClientAreSkipped() {
        parse(":nick!user@host PRIVMSG #a :hi");
        assertThat(line.verb()).isEqualTo("PRIVMSG");
        assertThat(params()).containsExactly("#a", "hi");
        parse("@id=123;+draft/x=y :nick PING :token");
        assertThat(line.verb()).isEqualTo("PING");
        assertThat(params()).containsExactly("token");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "   ", ":source", ":source  ", "@tags", "@tags :source", "\r", "\u0000NICK a"})
    void aLineWithoutAVerbIsIgnored(String text) {
        assertThat(parse(text)).isFalse();
    }

    @Test
    void atMostFifteenParametersTheFifteenthTakesTheRest() {
        parse("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
        assertThat(line.size()).isEqualTo(15);
        assertThat(line.param(13)).isEqualTo("14");
        assertThat(line.param(14)).isEqualTo("15 16 17");
        parse("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :last one");
        assertThat(line.param(14)).isEqualTo("last one");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PRIVMSG #a :one\rtwo", "PRIVMSG #a :one\u0000two", "PRIVMSG #a :one\r\nJOIN #b"})
    void theLineEndsAtItsFirstCrOrNul(String text) {
        parse(text);
        assertThat(line.size()).isEqualTo(2);
        assertThat(line.param(1)).isEqualTo("one");
    }

    @Test
    void parametersAreUtf8AndTheirBytesAreKept() {
        parse("PRIVMSG #Grüße :你好 ✓");
        assertThat(params()).containsExactly("#Grüße", "你好 ✓");
        assertThat(line.paramBytes(1)).isEqualTo("你好 ✓".getBytes(StandardCharsets.UTF_8));
        byte[] latin1 = {'P', 'R', 'I', 'V', 'M', 'S', 'G', ' ', 'a', ' ', ':', (byte) 0xE9, 't', (byte) 0xE9};
        ByteBuffer b = ByteBuffer.wrap(latin1);
        line.parse(b);
        assertThat(line.paramBytes(1)).containsExactly((byte) 0xE9, 't', (byte) 0xE9); // not decoded, not mangled
    }

    @Test
    void aParameterIsPutStraightFromTheBufferCutAtACharacterBoundary() {
        parse("PRIVMSG #a :aé你z");
        Recorder out = new Recorder();
        line.putParam(1, out, 100);
        assertThat(out.text()).isEqualTo("aé你z");
        out = new Recorder();
        line.putParam(1, out, 5); // "a" (1) "é" (2) "你" (3): 5 bytes end inside 你
        assertThat(out.text()).isEqualTo("aé");
        // the offsets still hold after a put moved the buffer's position
        assertThat(line.param(0)).isEqualTo("#a");
        assertThat(line.verb()).isEqualTo("PRIVMSG");
    }

    @Test
    void offsetsPointIntoTheBuffer() {
        parse("KICK #a bob :bye");
        assertThat(line.end(0) - line.start(0)).isEqualTo(2);
        assertThat((char) line.buffer().get(line.start(1))).isEqualTo('b');
    }

    /** A writer that keeps what is put. */
    static final class Recorder implements MessageWriter {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        @Override
        public MessageWriter put(ByteBuffer src) {
            while (src.hasRemaining()) {
                bytes.write(src.get());
            }
            return this;
        }

        @Override
        public MessageWriter put(byte[] src, int offset, int length) {
            bytes.write(src, offset, length);
            return this;
        }

        @Override
        public MessageWriter put(byte b) {
            bytes.write(b);
            return this;
        }

        @Override
        public MessageWriter putDecimal(long value) {
            return putUtf8(Long.toString(value));
        }

        @Override
        public MessageWriter putUtf8(CharSequence s) {
            bytes.writeBytes(s.toString().getBytes(StandardCharsets.UTF_8));
            return this;
        }

        @Override
        public MessageWriter onSlowConsumer(io.chatnio.SlowConsumerPolicy policy) {
            return this;
        }

        @Override
        public int length() {
            return bytes.size();
        }

        @Override
        public void send() {
        }

        @Override
        public void sendTo(io.chatnio.Connection recipient) {
        }
    }
}
