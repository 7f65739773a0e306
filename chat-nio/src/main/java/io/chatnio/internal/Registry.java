package io.chatnio.internal;

import io.chatnio.Connection;
import io.chatnio.ConnectionRegistry;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The loop's index of open connections; see {@link ConnectionRegistry}. IPv4 addresses and ids are looked up
 * in primitive-keyed maps, so the forwarding hot path allocates nothing.
 *
 * <p><b>Threading.</b> Loop thread only; every public method asserts it. Holds open connections only: a
 * closing connection has left it, so lookups no longer find it.
 */
final class Registry implements ConnectionRegistry {
    private final EventLoop loop;
    private final Stats stats;
    /** Every open connection; {@code all.get(c.registryIndex) == c}. Order changes on removal (swap with last). */
    private final ArrayList<Connection> all = new ArrayList<>();
    private final List<Connection> allView = Collections.unmodifiableList(all);
    private final LongMap<Conn> byId = new LongMap<>();
    /** IPv4 remote address (ip << 16 | port) to connection. */
    private final LongMap<Conn> byIpv4 = new LongMap<>();
    /** Remote addresses that are not IPv4. */
    private final Map<InetSocketAddress, Conn> byOtherAddress = new HashMap<>();
    private final Map<String, Conn> byName = new HashMap<>();
    /** Group name to its members in join order; a group with no members is removed. */
    private final Map<String, ArrayList<Connection>> groups = new HashMap<>();

    Registry(EventLoop loop, Stats stats) {
        this.loop = loop;
        this.stats = stats;
    }

    /** An IPv4 address as a big-endian int: {@code 127.0.0.1} is {@code 0x7f000001}. */
    static int ipv4(Inet4Address address) {
        byte[] a = address.getAddress();
        return ((a[0] & 0xFF) << 24) | ((a[1] & 0xFF) << 16) | ((a[2] & 0xFF) << 8) | (a[3] & 0xFF);
    }

    private static long ipv4Key(int ipv4, int port) {
        return ((ipv4 & 0xFFFFFFFFL) << 16) | (port & 0xFFFF);
    }

    void add(Conn c) {
        stats.connectionsOpen++;
        c.registryIndex = all.size();
        all.add(c);
        byId.put(c.id, c);
        if (c.remoteIsIpv4) {
            byIpv4.put(ipv4Key(c.remoteIpv4, c.remote.getPort()), c);
        } else {
            byOtherAddress.put(c.remote, c);
        }
    }

    /** Forgets {@code c}: its id, address, name and every group membership. */
    void remove(Conn c) {
        int i = c.registryIndex;
        if (i < 0) {
            return;
        }
        stats.connectionsOpen--;
        Connection last = all.remove(all.size() - 1);
        if (last != c) {
            all.set(i, last);
            ((Conn) last).registryIndex = i;
        }
        c.registryIndex = -1;
        byId.remove(c.id);
        if (c.remoteIsIpv4) {
            byIpv4.remove(ipv4Key(c.remoteIpv4, c.remote.getPort()));
        } else {
            byOtherAddress.remove(c.remote);
        }
        if (c.name != null) {
            byName.remove(c.name);
            c.name = null;
        }
        if (c.groups != null) {
            for (String g : c.groups) {
                removeMember(g, c);
            }
            c.groups = null;
        }
    }

    /** {@link #all()} without the thread check, for the loop's own sweeps. */
    List<Connection> allUnchecked() {
        return allView;
    }

    /** {@link #size()} without the thread check, for the loop's own use. */
    int sizeUnchecked() {
        return all.size();
    }

    @Override
    public int size() {
        loop.assertInLoop();
        return all.size();
    }

    @Override
    public List<Connection> all() {
        loop.assertInLoop();
        return allView;
    }

    @Override
    public Connection byId(long id) {
        loop.assertInLoop();
        return byId.get(id);
    }

    @Override
    public Connection byAddress(InetSocketAddress address) {
        loop.assertInLoop();
        if (address.getAddress() instanceof Inet4Address v4) {
            return byIpv4.get(ipv4Key(ipv4(v4), address.getPort()));
        }
        return byOtherAddress.get(address);
    }

    @Override
    public Connection byIpv4(int ipv4, int port) {
        loop.assertInLoop();
        return byIpv4.get(ipv4Key(ipv4, port));
    }

    @Override
    public Connection byName(String name) {
        loop.assertInLoop();
        return byName.get(name);
    }

    @Override
    public boolean setName(Connection connection, String name) {
        loop.assertInLoop();
        Conn c = own(connection);
        Conn holder = byName.get(name);
        if (holder != null) {
            return holder == c;
        }
        if (c.registryIndex < 0) {
            return false;
        }
        if (c.name != null) {
            byName.remove(c.name);
        }
        c.name = name;
        byName.put(name, c);
        return true;
    }

    @Override
    public String nameOf(Connection connection) {
        loop.assertInLoop();
        return own(connection).name;
    }

    @Override
    public boolean join(Connection connection, String group) {
        loop.assertInLoop();
        Conn c = own(connection);
        if (c.registryIndex < 0 || (c.groups != null && c.groups.contains(group))) {
            return false;
        }
        if (c.groups == null) {
            c.groups = new ArrayList<>(2); // most connections join no group: made on first use
        }
        c.groups.add(group);
        groups.computeIfAbsent(group, g -> new ArrayList<>()).add(c);
        return true;
    }

    @Override
    public boolean leave(Connection connection, String group) {
        loop.assertInLoop();
        Conn c = own(connection);
        if (c.groups == null || !c.groups.remove(group)) {
            return false;
        }
        removeMember(group, c);
        return true;
    }

    private void removeMember(String group, Conn c) {
        ArrayList<Connection> members = groups.get(group);
        if (members != null) {
            members.remove(c);
            if (members.isEmpty()) {
                groups.remove(group);
            }
        }
    }

    @Override
    public List<Connection> members(String group) {
        loop.assertInLoop();
        ArrayList<Connection> members = groups.get(group);
        return members == null ? List.of() : Collections.unmodifiableList(members);
    }

    @Override
    public List<String> groupsOf(Connection connection) {
        loop.assertInLoop();
        Conn c = own(connection);
        return c.groups == null ? List.of() : Collections.unmodifiableList(c.groups);
    }

    /** Number of groups; for tests of cleanup. */
    int groupCount() {
        return groups.size();
    }

    private Conn own(Connection connection) {
        if (!(connection instanceof Conn c) || c.reactor.loop != loop) {
            throw new IllegalArgumentException("not a connection of this reactor: " + connection);
        }
        return c;
    }
}
