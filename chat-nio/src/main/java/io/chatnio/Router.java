package io.chatnio;

import java.nio.ByteBuffer;

/**
 * A routing strategy: decides, for each decoded inbound message, which connections receive which bytes.
 *
 * <p>A router sends with the loop's writers: {@code recipient.message().put(...).send()} for one recipient,
 * or {@code registry}'s owner {@link Reactor#fanout()} and {@link MessageWriter#sendTo} for many, which
 * encodes the message once and shares its bytes read-only among all recipients' queues. Nothing is written
 * to a socket before the router returns: output is flushed once per loop pass.
 *
 * <p><b>Threading.</b> Called on the loop thread only, one message at a time; a router needs no locks. It must
 * not block.
 *
 * <p><b>Ownership.</b> {@code message} is the payload between its position and limit, in a buffer owned by
 * the loop and reused for the next message: read it or copy from it before returning, never keep it. The
 * router may move its position and limit.
 *
 * <p><b>Errors.</b> An exception closes the sender's connection and is logged; other connections are not
 * affected. For bad input that should not cost the sender its connection, reply with an error instead.
 *
 * <p>Install one with {@link ReactorBuilder#router(Router)}; see {@link Routers} for the built-ins.
 */
@FunctionalInterface
public interface Router {

    /**
     * Routes one message.
     *
     * @param sender   the connection it arrived on
     * @param message  its payload (see Ownership)
     * @param registry the open connections, by id, address, name and group
     */
    void route(Connection sender, ByteBuffer message, ConnectionRegistry registry) throws Exception;
}
