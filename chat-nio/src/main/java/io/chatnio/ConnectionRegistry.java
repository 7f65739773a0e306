package io.chatnio;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The reactor's index of open connections: by id, by remote address, by a unique name, and by membership
 * of named groups. The reactor adds a connection when it is accepted and removes it, with its name and all
 * its memberships, when it closes, so no entry outlives its connection.
 *
 * <p><b>Threading.</b> Loop thread only, like the connections themselves. The lists returned are read-only
 * live views: do not keep them across callbacks, and do not change membership while iterating one (iterate
 * by index to avoid allocating an iterator).
 */
public interface ConnectionRegistry {

    /** Number of open connections. */
    int size();

    /** All open connections, in accept order. */
    List<Connection> all();

    /** The open connection with this id, or {@code null}. */
    Connection byId(long id);

    /** The open connection whose remote address equals {@code address}, or {@code null}. */
    Connection byAddress(InetSocketAddress address);

    /**
     * The open connection from IPv4 address {@code ipv4} (big-endian, as in {@code 127.0.0.1 = 0x7f000001})
     * and {@code port}, or {@code null}. Allocates nothing.
     */
    Connection byIpv4(int ipv4, int port);

    /** The open connection registered under {@code name}, or {@code null}. */
    Connection byName(String name);

    /**
     * Registers {@code connection} under {@code name}, replacing its previous name.
     *
     * @return {@code false}, changing nothing, if another open connection already has that name
     */
    boolean setName(Connection connection, String name);

    /** The name of {@code connection}, or {@code null}. */
    String nameOf(Connection connection);

    /** Adds {@code connection} to {@code group}, creating the group. @return {@code false} if already a member */
    boolean join(Connection connection, String group);

    /** Removes {@code connection} from {@code group}; an empty group is forgotten. @return {@code false} if not a member */
    boolean leave(Connection connection, String group);

    /** The members of {@code group} in join order; empty if there is no such group. */
    List<Connection> members(String group);

    /** The groups {@code connection} belongs to. */
    List<String> groupsOf(Connection connection);
}
