package dev.kiln.cli;

import dev.kiln.common.KilnException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code kiln} command. Daemonless by default: each command opens the engine over the
 * state dir in this process. Errors that are the user's to fix print as one message and exit
 * non-zero; anything else prints its stack trace with {@code --debug}.
 */
@Command(name = "kiln", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Build OCI images from Dockerfiles, without a daemon.",
        subcommands = {BuildCommand.class, ImagesCommand.class, PullCommand.class, PushCommand.class, TagCommand.class,
                RmiCommand.class, LoadCommand.class, SaveCommand.class, LoginCommand.class, LogoutCommand.class,
                DuCommand.class, PruneCommand.class,
                dev.kiln.cli.remote.HistoryCommand.class, dev.kiln.cli.remote.DebugCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    @Option(names = "--root", description = "State directory (default: $KILN_ROOT, /var/lib/kiln as root, "
            + "~/.local/share/kiln otherwise).", scope = CommandLine.ScopeType.INHERIT)
    java.nio.file.Path root;

    @Option(names = "--debug", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean debug;

    @Option(names = "--insecure-registry", description = "A registry (host[:port]) that may be reached over plain HTTP; "
            + "loopback registries always may.", scope = CommandLine.ScopeType.INHERIT)
    java.util.List<String> insecureRegistries = new java.util.ArrayList<>();

    @Option(names = "--registry-certs-dir", description = "Registry CAs and client certificates in docker's certs.d "
            + "layout (HOST[:PORT]/ca.crt, client.cert, client.key); default /etc/kiln/certs.d.",
            scope = CommandLine.ScopeType.INHERIT)
    java.nio.file.Path registryCertsDir;

    @Option(names = "--addr", description = "Build on the kilnd at unix://PATH or tcp://HOST:PORT instead of in this "
            + "process (default: $KILN_HOST; unset: daemonless).", scope = CommandLine.ScopeType.INHERIT)
    String addr;

    @Option(names = "--tlscacert", description = "CA of kilnd's certificate, for tcp:// (default: $KILN_TLS_CACERT).",
            scope = CommandLine.ScopeType.INHERIT)
    java.nio.file.Path tlsCaCert;

    @Option(names = "--tlscert", description = "Client certificate for kilnd over tcp:// (default: $KILN_TLS_CERT).",
            scope = CommandLine.ScopeType.INHERIT)
    java.nio.file.Path tlsCert;

    @Option(names = "--tlskey", description = "Client key for kilnd over tcp:// (default: $KILN_TLS_KEY).",
            scope = CommandLine.ScopeType.INHERIT)
    java.nio.file.Path tlsKey;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Main m = commandLine.getCommandSpec().root().userObject() instanceof Main mm ? mm : null;
            if (m != null && m.debug) {
                ex.printStackTrace();
            }
            if (ex instanceof KilnException ke) {
                System.err.println("ERROR: " + ke.getMessage());
                return ke.exitCode();
            }
            if (ex instanceof InterruptedException) {
                System.err.println("ERROR: cancelled");
                return 130;
            }
            System.err.println("ERROR: " + ex);
            return 1;
        });
        return cl.execute(args);
    }

    java.nio.file.Path stateDir() {
        return root != null ? root : dev.kiln.engine.EngineConfig.defaultStateDir();
    }

    /**
     * Opens the daemonless engine for a command other than build (which has its own runtime
     * options). An unprivileged user is first moved into a user namespace with their
     * subordinate ids, as {@code kiln build} is; the command then runs there and this process
     * exits with its status.
     */
    dev.kiln.engine.Engine openEngine() {
        if (daemon() != null) {
            throw new KilnException("this command does not work through kilnd yet (only build, du, prune, history and "
                    + "debug do); run it without --addr and with KILN_HOST unset");
        }
        try {
            java.util.OptionalInt rootless = RootlessLauncher.reexecIfNeeded();
            if (rootless.isPresent()) {
                System.exit(rootless.getAsInt());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KilnException("interrupted", e);
        }
        return dev.kiln.engine.Engine.open(engineConfig(null), System.err::println);
    }

    /** The engine settings the global options give, with {@code runtime} for RUN steps (null: runc). */
    dev.kiln.engine.EngineConfig engineConfig(String runtime) {
        return new dev.kiln.engine.EngineConfig(stateDir(), runtime, 0, insecureRegistries, registryCertsDir);
    }

    /** The kilnd to use ({@code --addr} or {@code KILN_HOST}), or null for a daemonless command. */
    public dev.kiln.client.remote.DaemonTarget daemon() {
        return dev.kiln.client.remote.DaemonTarget.resolve(addr, tlsCaCert, tlsCert, tlsKey);
    }

    /** Prints the version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"kiln " + (v == null ? "dev" : v)};
        }
    }
}
