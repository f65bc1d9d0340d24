package dev.kiln.cli;

import dev.kiln.common.KilnException;
import dev.kiln.engine.Engine;
import dev.kiln.registry.dockerconfig.DockerConfig;
import dev.kiln.session.credentials.Credentials;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln login HOST}: checks credentials against the registry and stores them in the
 * user's docker config ({@code $DOCKER_CONFIG/config.json}), through its credential helper
 * when one is configured — never in Kiln's state dir.
 */
@Command(name = "login", description = "Log in to a registry.", mixinStandardHelpOptions = true)
final class LoginCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(paramLabel = "SERVER", arity = "0..1", defaultValue = "docker.io")
    String server;

    @Option(names = {"-u", "--username"})
    String username;

    @Option(names = {"-p", "--password"}, description = "Password (prefer --password-stdin).")
    String password;

    @Option(names = "--password-stdin", description = "Read the password from standard input.")
    boolean passwordStdin;

    @Override
    public Integer call() throws Exception {
        if (passwordStdin) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line = in.readLine();
            password = line == null ? "" : line.strip();
        }
        if (username == null || password == null) {
            if (System.console() == null) {
                throw new KilnException("login needs --username and --password or --password-stdin when not on a terminal");
            }
            if (username == null) {
                username = System.console().readLine("Username: ");
            }
            if (password == null) {
                password = new String(System.console().readPassword("Password: "));
            }
        }
        String host = LogoutCommand.host(server);
        try (Engine engine = main.openEngine()) {
            engine.registry().login(host, Credentials.basic(username, password), DockerConfig.fromEnvironment());
        }
        System.out.println("Login Succeeded");
        return 0;
    }
}
