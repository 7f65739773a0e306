package io.chatnio.examples.irc;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server's registry of nicks and channels: which client holds which nick, which channels exist and who is
 * in them. Names are compared by their {@link Key} (the advertised casemapping). It changes state only; the
 * command handlers tell the clients.
 *
 * <p><b>Threading.</b> Loop thread only: the maps are owned by the reactor's loop thread, the only thread that
 * runs the handler, so they are plain {@link HashMap}s with no locking. Lookups by bytes use one reusable
 * probe key and allocate nothing.
 */
final class IrcState {
    /** Every client that has a nick, by its folded nick; {@code nicks.get(c.nickKey) == c}. */
    private final Map<Key, Client> nicks = new HashMap<>();
    /** Every channel, by folded name, in creation order (LIST); no channel here is empty. */
    private final Map<Key, Channel> channels = new LinkedHashMap<>();
    /** The lookup key reused by the byte lookups; never stored in a map. */
    private final Key probe = Key.probe();
    /** The current broadcast round; see {@link #nextRound}. */
    private int round;

    /** The client whose nick is {@code b[from, to)}, or null. Allocates nothing. */
    Client client(ByteBuffer b, int from, int to) {
        return nicks.get(probe.set(b, from, to));
    }

    /** The client whose nick is {@code nick}, or null. */
    Client client(String nick) {
        return nicks.get(Key.of(nick));
    }

    /** The channel named {@code b[from, to)}, or null. Allocates nothing. */
    Channel channel(ByteBuffer b, int from, int to) {
        return channels.get(probe.set(b, from, to));
    }

    /** The channel named {@code name}, or null. */
    Channel channel(String name) {
        return channels.get(Key.of(name));
    }

    /** Every channel, in creation order: a read-only view. */
    Collection<Channel> channels() {
        return Collections.unmodifiableCollection(channels.values());
    }

    /** Every client with a nick, registered or not: a read-only view. */
    Collection<Client> clients() {
        return Collections.unmodifiableCollection(nicks.values());
    }

    /**
     * Gives {@code c} the nick {@code nick}, releasing its old one.
     *
     * @return false, changing nothing, if another client holds the nick (by the casemapping)
     */
    boolean setNick(Client c, String nick) {
        Key key = Key.of(nick);
        Client holder = nicks.get(key);
        if (holder != null && holder != c) {
            return false;
        }
        if (c.nickKey != null) {
            nicks.remove(c.nickKey);
        }
        nicks.put(key, c);
        c.nick = nick;
        c.nickKey = key;
        if (c.user != null) {
            c.updateSource();
        }
        return true;
    }

    /**
     * Adds {@code c} to the channel named {@code name}, creating it (with {@code c} as its operator) if it does
     * not exist. {@code c} must not be in it already.
     */
    Channel join(Client c, String name, long nowSeconds) {
        Key key = Key.of(name);
        Channel channel = channels.get(key);
        if (channel == null) {
            channel = new Channel(name, nowSeconds);
            channels.put(key, channel);
            channel.operators.add(c);
        }
        channel.members.add(c);
        c.channels.add(channel);
        return channel;
    }

    /** Removes {@code c} from {@code channel}; forgets the channel if it is left empty. */
    void part(Client c, Channel channel) {
        channel.members.remove(c);
        channel.operators.remove(c);
        c.channels.remove(channel);
        if (channel.members.isEmpty()) {
            channels.remove(channel.key);
        }
    }

    /** Removes {@code c} from every channel and releases its nick: it is gone. */
    void forget(Client c) {
        for (int i = c.channels.size() - 1; i >= 0; i--) {
            part(c, c.channels.get(i));
        }
        if (c.nickKey != null && nicks.get(c.nickKey) == c) {
            nicks.remove(c.nickKey);
        }
        c.gone = true;
    }

    /**
     * Starts a broadcast round: a client whose {@link Client#round} equals the returned value was already
     * reached in this round, so a message to everyone sharing a channel with someone reaches each peer once.
     */
    int nextRound() {
        return ++round;
    }

    /** Number of clients with a nick. */
    int clientCount() {
        return nicks.size();
    }

    /** Number of channels. */
    int channelCount() {
        return channels.size();
    }
}
