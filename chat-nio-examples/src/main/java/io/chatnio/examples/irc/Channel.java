package io.chatnio.examples.irc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One channel: its members (with their operator status), topic and modes. It exists while it has members:
 * {@link IrcState} creates it on the first JOIN and forgets it when the last member leaves.
 *
 * <p>Modes: {@code +n} (no messages from outside, on by default), {@code +t} (only operators set the topic, on
 * by default) and {@code +o} (operator; the first member gets it).
 *
 * <p><b>Threading.</b> Loop thread only: owned by the server's {@link IrcState}, which only the loop touches.
 */
final class Channel {
    /** The name as spelled by the client that created it. */
    final String name;
    /** {@link #name} in UTF-8. */
    final byte[] nameBytes;
    /** {@link #name} folded; the key under which {@link IrcState} maps this channel. */
    final Key key;
    /** When the channel was created, in Unix seconds (RPL_CREATIONTIME). */
    final long createdSeconds;
    /** The members in join order; never empty while the channel is mapped; each has this channel in its list. */
    final List<Client> members = new ArrayList<>();
    /** The members with {@code +o}; a subset of {@link #members}. */
    final Set<Client> operators = new HashSet<>();
    /** The topic, at most TOPICLEN bytes; null when none is set. */
    byte[] topic;
    /** Who set the topic (nick) and when (Unix seconds); meaningful while {@link #topic} is set. */
    String topicSetBy;
    long topicSetAt;
    /** Mode {@code +n}. */
    boolean noExternalMessages = true;
    /** Mode {@code +t}. */
    boolean topicProtected = true;

    Channel(String name, long createdSeconds) {
        this.name = name;
        this.nameBytes = name.getBytes(StandardCharsets.UTF_8);
        this.key = Key.of(name);
        this.createdSeconds = createdSeconds;
    }

    boolean isOperator(Client c) {
        return operators.contains(c);
    }

    /** The mode string of RPL_CHANNELMODEIS: {@code +nt}, {@code +n}, {@code +t} or {@code +}. */
    String modes() {
        return "+" + (noExternalMessages ? "n" : "") + (topicProtected ? "t" : "");
    }

    /** {@code @} for an operator, else nothing: the prefix of {@code c}'s nick in NAMES and the WHO flags. */
    String prefixOf(Client c) {
        return isOperator(c) ? "@" : "";
    }

    @Override
    public String toString() {
        return "Channel(" + name + ", " + members.size() + " members)";
    }
}
