package dev.kiln.daemon;

import dev.kiln.common.KilnException;
import dev.kiln.daemon.config.KilndConfig;
import dev.kiln.daemon.server.Kilnd;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code kilnd} command: reads the config ({@code /etc/kiln/kilnd.toml} unless
 * {@code --config}), applies the flags over it, starts {@link Kilnd} and serves until SIGTERM
 * or SIGINT, then drains running builds (the grace period) and exits 0.
 */
@Command(name = "kilnd", mixinStandardHelpOptions = true, description = "The Kiln build daemon (gRPC).")
public final class KilndMain implements Callable<Integer> {
    @Option(names = "--config", description = "Config file (default: /etc/kiln/kilnd.toml; missing means defaults).")
    Path configFile;

    @Option(names = "--root", description = "State directory (default: /var/lib/kiln).")
    Path root;

    @Option(names = "--addr", description = "Listen address, unix://PATH or tcp://HOST:PORT; repeatable "
            + "(default: unix:///run/kiln/kilnd.sock).")
    List<String> addrs = new ArrayList<>();

    @Option(names = "--group", description = "Group (name or id) of the unix sockets, mode 0660.")
    String group;

    @Option(names = "--tlscert", description = "Server certificate (PEM) for TCP listeners.")
    Path tlsCert;

    @Option(names = "--tlskey", description = "Server key (PEM, PKCS#8) for TCP listeners.")
    Path tlsKey;

    @Option(names = "--tlscacert", description = "CA (PEM) that client certificates must chain to.")
    Path tlsCa;

    @Option(names = "--insecure-tcp", description = "Allow TCP listeners without TLS (anyone who can connect can build).")
    boolean insecureTcp;

    @Option(names = "--runtime", description = "OCI runtime for RUN steps: runc or crun.")
    String runtime;

    @Option(names = "--allow-entitlement", description = "An entitlement clients may --allow: network.host or "
            + "security.insecure; repeatable (default: none).")
    List<String> allowEntitlements = new ArrayList<>();

    @Option(names = "--metrics-addr", description = "Serve Prometheus metrics at http://HOST:PORT/metrics (off by default).")
    String metricsAddr;

    @Option(names = "--shutdown-grace", description = "Seconds SIGTERM lets running builds finish before cancelling them.")
    Long grace;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new KilndMain());
        cl.setExecutionExceptionHandler((ex, c, p) -> {
            System.err.println("kilnd: " + (ex instanceof KilnException || ex instanceof IllegalArgumentException
                    ? ex.getMessage() : ex.toString()));
            return 1;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        KilndConfig config = KilndConfig.load(configFile != null ? configFile : KilndConfig.DEFAULT_FILE);
        if (configFile != null && !java.nio.file.Files.exists(configFile)) {
            throw new KilnException("config file " + configFile + " does not exist");
        }
        if (root != null) {
            config = config.withRoot(root);
        }
        if (runtime != null) {
            config = config.withRuntime(runtime);
        }
        if (group != null) {
            config = config.withSocketGroup(group);
        }
        if (grace != null) {
            config = config.withShutdownGrace(Duration.ofSeconds(grace));
        }
        if (!allowEntitlements.isEmpty()) {
            java.util.Set<String> all = new java.util.HashSet<>(config.allowedEntitlements());
            all.addAll(allowEntitlements);
            config = config.withAllowedEntitlements(all);
        }
        KilndConfig.Tls tls = config.tls();
        if (tlsCert != null || tlsKey != null || tlsCa != null) {
            if (tlsCert == null || tlsKey == null || tlsCa == null) {
                throw new KilnException("--tlscert, --tlskey and --tlscacert go together (clients are always verified)");
            }
            tls = new KilndConfig.Tls(tlsCert, tlsKey, tlsCa);
        }
        if (!addrs.isEmpty()) {
            // validate the TLS rule against the new addresses in one step
            config = config.withListeners(addrs.stream().map(DaemonAddress::parse).toList(), tls,
                    insecureTcp || config.insecureTcp());
        } else {
            config = config.withTls(tls, insecureTcp || config.insecureTcp());
        }
        Kilnd kilnd = Kilnd.start(config, KilndMain::log);
        if (dev.kiln.daemon.telemetry.KilndTracing.start()) {
            log("kilnd: exporting build traces over OTLP");
        }
        if (metricsAddr != null) {
            try {
                log("kilnd: metrics on " + kilnd.serveMetrics(metricsAddr));
            } catch (IOException | IllegalArgumentException e) {
                kilnd.shutdown(Duration.ZERO);
                throw new KilnException("cannot serve metrics on " + metricsAddr + ": " + e.getMessage(), e);
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        Duration g = config.shutdownGrace();
        for (String sig : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> {
                    log("kilnd: SIG" + sig + ": draining " + kilnd.runningBuilds() + " running build(s), grace " + g.toSeconds() + "s");
                    stop.countDown();
                });
            } catch (IllegalArgumentException e) {
                // the JVM keeps this signal; the shutdown hook below still drains
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                kilnd.shutdown(g);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kilnd-shutdown"));
        log("kilnd: ready (pid " + ProcessHandle.current().pid() + ", root " + config.root() + ")");
        stop.await();
        kilnd.shutdown(g);
        log("kilnd: stopped");
        return 0;
    }

    static void log(String message) {
        System.err.println(Instant.now() + " " + message);
        System.err.flush();
    }
}
