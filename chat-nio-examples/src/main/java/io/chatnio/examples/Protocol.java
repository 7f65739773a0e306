package io.chatnio.examples;

import java.util.Locale;

/** What the example server speaks, and what the example client expects ({@code --protocol}). Immutable. */
enum Protocol {
    /** Direct messages addressed by the recipient's remote address: {@code IP:PORT:MESSAGE} (docs/protocol.md). */
    SEED,
    /** A client-to-server IRC subset ({@link io.chatnio.examples.irc.IrcServer}). */
    IRC;

    /** The name on the command line: {@code seed}, {@code irc}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
