package io.chatnio.examples;

import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * How the subcommands report a bad command line: one line on stderr that names the option, says what it accepts
 * and ends with {@code Try '<command> --help'.}, then exit code 2, instead of picocli's default of the message
 * followed by the whole usage help. Stateless; called on the main thread.
 */
final class Usage {
    private Usage() {
    }

    /** The {@link CommandLine.IParameterExceptionHandler} of {@link Main#commandLine()}. */
    static int handle(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String message = e.getMessage() == null ? "Invalid command line" : e.getMessage().strip();
        message = message.replaceAll("\\s*\\R\\s*", " ");
        if (!message.endsWith(".")) {
            message += ".";
        }
        cl.getErr().println(message + " Try '" + helpCommand(cl.getCommandSpec()) + "'.");
        cl.getErr().flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** {@code server --help}, {@code client --help}, or {@code --help} for the top command. */
    private static String helpCommand(CommandSpec spec) {
        return spec.parent() == null ? "--help" : spec.name() + " --help";
    }

    /**
     * A usage error for {@code option} unless {@code ok}: {@code Invalid value for option '<option>': <value>
     * (<accepts>)}.
     */
    static void require(CommandSpec spec, boolean ok, String option, Object value, String accepts) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(),
                    "Invalid value for option '" + option + "': " + value + " (" + accepts + ")");
        }
    }

    /** A usage error for a number of seconds: 0 (if {@code zeroAllowed}) up to {@link Integer#MAX_VALUE}. */
    static void requireSeconds(CommandSpec spec, long value, boolean zeroAllowed, String option, String zeroMeans) {
        require(spec, value >= (zeroAllowed ? 0 : 1) && value <= Integer.MAX_VALUE, option, value,
                zeroAllowed ? "seconds, 0 to " + Integer.MAX_VALUE + "; 0 " + zeroMeans
                        : "seconds, 1 to " + Integer.MAX_VALUE);
    }

    /**
     * {@code host}, looked up now (on the calling thread, never the loop); a usage error with a sentence if it is
     * neither an IP address nor a name that resolves.
     */
    static InetAddress resolve(CommandSpec spec, String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--host': '" + host
                    + "' is neither an IP address nor a host name that resolves");
        }
    }
}
