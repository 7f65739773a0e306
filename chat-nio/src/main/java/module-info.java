/**
 * chat-nio: one {@link java.nio.channels.Selector} loop on one thread, with pluggable framing and routing.
 *
 * <p>Only {@code io.chatnio} is exported; {@code io.chatnio.internal} holds the implementation.
 */
module io.chatnio {
    requires org.slf4j;
    requires java.management;

    exports io.chatnio;
}
