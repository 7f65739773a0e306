package io.chatnio.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Entry point of {@code chat-nio-examples.jar}: the {@code server} and {@code client} subcommands.
 *
 * <p><b>Threading.</b> {@link #main} runs on the JVM's main thread, parses the arguments with picocli and runs
 * the chosen subcommand on that same thread, then exits with its exit code (0 success, 1 failure, 2 usage
 * error). The subcommands document the threads they start.
 */
@Command(name = "chat-nio-examples",
        description = "Examples of chat-nio, a one-thread java.nio selector loop.",
        subcommands = {ServerCommand.class, ClientCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /**
     * The command line, ready to {@link CommandLine#execute}; enum values are case-insensitive, and a usage error
     * is one line on stderr ({@link Usage}).
     */
    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(Usage::handle);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** No subcommand given. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: server or client");
    }
}
