package dev.kiln.cli;

import dev.kiln.registry.dockerconfig.DockerConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code kiln logout HOST}: forgets the credentials stored for a registry in the user's docker config. */
@Command(name = "logout", description = "Log out from a registry.", mixinStandardHelpOptions = true)
final class LogoutCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SERVER", arity = "0..1", defaultValue = "docker.io")
    String server;

    @Override
    public Integer call() {
        String host = host(server);
        if (DockerConfig.fromEnvironment().logout(host)) {
            System.out.println("Removing login credentials for " + host);
        } else {
            System.out.println("Not logged in to " + host);
        }
        return 0;
    }

    /** The registry host of what a user typed: {@code https://host/} and {@code host} alike. */
    static String host(String server) {
        String s = server.replaceFirst("^https?://", "");
        int slash = s.indexOf('/');
        s = slash >= 0 ? s.substring(0, slash) : s;
        return s.equals("index.docker.io") || s.equals("registry-1.docker.io") ? "docker.io" : s;
    }
}
