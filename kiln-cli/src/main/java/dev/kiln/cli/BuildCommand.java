package dev.kiln.cli;

import dev.kiln.cli.progress.PlainProgress;
import dev.kiln.cli.progress.RawJsonProgress;
import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.common.progress.ProgressSink;
import dev.kiln.engine.BuildRequest;
import dev.kiln.engine.BuildResult;
import dev.kiln.engine.Engine;
import dev.kiln.export.OutputSpec;
import dev.kiln.export.cache.CacheSpec;
import dev.kiln.oci.ImageReference;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kiln build}: the flags of {@code docker buildx build} that Kiln supports. */
@Command(name = "build", description = "Build an image from a Dockerfile.", mixinStandardHelpOptions = true)
final class BuildCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "CONTEXT", description = "The build context directory.")
    Path context;

    @Option(names = {"-f", "--file"}, description = "The Dockerfile (default: CONTEXT/Dockerfile).")
    Path file;

    @Option(names = {"-t", "--tag"}, description = "Name and tag the image in the local store (name:tag).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--build-arg", description = "Set a build-time variable (KEY=VALUE, or KEY to take it from the environment).")
    List<String> buildArgs = new ArrayList<>();

    @Option(names = "--target", description = "The stage to build.")
    String target;

    @Option(names = "--no-cache", description = "Do not use the cache.")
    boolean noCache;

    @Option(names = "--no-cache-filter", split = ",", description = "Do not use the cache for these stages.")
    List<String> noCacheFilter = new ArrayList<>();

    @Option(names = "--progress", defaultValue = "auto", description = "auto, tty, plain or rawjson.")
    String progress;

    @Option(names = {"-o", "--output"}, description = "Output: type=oci|docker|local|tar|image,dest=PATH.")
    List<String> outputs = new ArrayList<>();

    @Option(names = "--build-context", description = "Named context NAME=oci-layout://PATH[:TAG|@DIGEST] or docker-image://REF.")
    List<String> buildContexts = new ArrayList<>();

    @Option(names = "--platform", description = "Target platform (os/arch[/variant]); default: this host.")
    String platform;

    @Option(names = "--max-parallelism", defaultValue = "${env:KILN_MAX_PARALLELISM:-0}",
            description = "The most RUN steps running at once (default: $KILN_MAX_PARALLELISM, else 0 = no limit).")
    int maxParallelism;

    @Option(names = "--runtime", defaultValue = "runc", description = "OCI runtime for RUN steps (runc or crun).")
    String runtime;

    @Option(names = {"-q", "--quiet"}, description = "Print only the image digest.")
    boolean quiet;

    @Option(names = "--push", description = "Push the image to its registry (shorthand for -o type=image,push=true).")
    boolean push;

    @Option(names = "--metadata-file", description = "Write the build's result (digest, names, pushed refs) as JSON here.")
    Path metadataFile;

    @Option(names = "--secret", description = "Secret for RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VARIABLE.")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--ssh", description = "SSH agent for RUN --mount=type=ssh: default (SSH_AUTH_SOCK), ID=SOCKET or ID=KEY[,KEY].")
    List<String> ssh = new ArrayList<>();

    @Option(names = "--allow", description = "Allow an entitlement: network.host (RUN --network=host), security.insecure (RUN --security=insecure).")
    List<String> allow = new ArrayList<>();

    @Option(names = "--cache-to", description = "Export the build cache: type=registry,ref=REF[,mode=min|max]"
            + "[,compression=gzip|zstd], type=local,dest=DIR[,mode=…] or type=inline.")
    List<String> cacheTo = new ArrayList<>();

    @Option(names = "--cache-from", description = "Import a build cache (repeatable): type=registry,ref=REF "
            + "(a cache or an image with an inline cache) or type=local,src=DIR.")
    List<String> cacheFrom = new ArrayList<>();

    @Option(names = "--check", description = "Run only the build checks; exit 1 when there is a finding.")
    boolean check;

    @Override
    public Integer call() throws Exception {
        ProgressSink sink;
        PlainProgress plain = null;
        String mode = progress;
        if (mode.equals("auto")) {
            mode = System.console() != null && System.console().isTerminal() ? "tty" : "plain";
        }
        switch (mode) {
            case "plain", "tty" -> {
                plain = new PlainProgress(System.err, mode.equals("plain"));
                sink = plain;
            }
            case "rawjson" -> sink = new RawJsonProgress(System.err);
            case "quiet" -> sink = ProgressSink.DISCARD;
            default -> throw new KilnException("invalid --progress \"" + progress + "\": want auto, tty, plain or rawjson");
        }
        if (quiet) {
            sink = ProgressSink.DISCARD;
            plain = null;
        }
        List<OutputSpec> outs = new ArrayList<>(outputs.stream().map(OutputSpec::parse).toList());
        if (push) {
            if (tags.isEmpty()) {
                throw new KilnException("--push needs at least one -t NAME to push to");
            }
            outs.add(new OutputSpec("image", Map.of("push", "true")));
        }
        BuildRequest req = new BuildRequest(context, file, args(), Optional.ofNullable(target),
                tags.stream().map(BuildCommand::reference).toList(), outs,
                noCache, Set.copyOf(noCacheFilter), contexts(),
                platform == null ? Platform.host() : Platform.parse(platform), sourceDateEpoch(),
                BuildGrantsParser.parse(secrets, ssh, allow, System.getenv()))
                .withCaches(cacheFrom.stream().map(v -> CacheSpec.parse(v, false)).toList(),
                        cacheTo.stream().map(v -> CacheSpec.parse(v, true)).toList());
        PlainProgress display = plain;
        ProgressSink finalSink = sink;
        dev.kiln.client.remote.DaemonTarget daemon = main.daemon();
        if (daemon != null) {
            if (check) {
                return printCheck(dev.kiln.client.remote.RemoteBuild.check(daemon, req));
            }
            return report(Interruptible.run(() -> dev.kiln.client.remote.RemoteBuild.run(daemon, req, finalSink)), display);
        }
        java.util.OptionalInt rootless = RootlessLauncher.reexecIfNeeded();
        if (rootless.isPresent()) {
            return rootless.getAsInt();
        }
        dev.kiln.engine.EngineConfig base = main.engineConfig(runtime);
        dev.kiln.engine.EngineConfig config = new dev.kiln.engine.EngineConfig(base.stateDir(), base.runtime(), maxParallelism, base.insecureRegistries(),
                base.registryCertsDir());
        try (Engine engine = Engine.open(config,
                msg -> System.err.println(msg))) {
            if (check) {
                return printCheck(engine.check(req));
            }
            BuildResult result = Interruptible.run(() -> engine.build(req, finalSink));
            return report(result, display);
        } finally {
            if (display != null) {
                System.err.flush();
            }
        }
    }

    /** Prints the findings of {@code --check} (daemonless or through kilnd); returns the exit code. */
    private static int printCheck(List<dev.kiln.dockerfile.instructions.Warning> found) {
        found.forEach(w -> System.err.println("WARNING: " + w));
        System.err.println("Check complete, " + (found.isEmpty() ? "no warnings found." : found.size()
                + (found.size() == 1 ? " warning has" : " warnings have") + " been found!"));
        return found.isEmpty() ? 0 : 1;
    }

    /** Prints what a finished build produced (daemonless or through kilnd); returns the exit code. */
    private int report(BuildResult result, PlainProgress display) {
        if (display != null) {
            display.finish();
        }
        if (quiet) {
            System.out.println(result.manifest().digest());
        }
        for (String p : result.pushed()) {
            System.err.println("pushed " + p);
        }
        if (metadataFile != null) {
            MetadataFile.write(metadataFile, result, tags);
        }
        System.err.flush();
        return 0;
    }

    private static ImageReference reference(String tag) {
        try {
            return ImageReference.parse(tag);
        } catch (IllegalArgumentException e) {
            throw new KilnException("invalid tag \"" + tag + "\": " + e.getMessage());
        }
    }

    private Map<String, String> args() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String a : buildArgs) {
            int eq = a.indexOf('=');
            if (eq < 0) {
                String env = System.getenv(a);
                if (env != null) {
                    m.put(a, env);
                }
            } else {
                m.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        return m;
    }

    private Map<String, String> contexts() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String c : buildContexts) {
            int eq = c.indexOf('=');
            if (eq <= 0) {
                throw new KilnException("invalid --build-context \"" + c + "\": want NAME=VALUE");
            }
            m.put(c.substring(0, eq), c.substring(eq + 1));
        }
        return m;
    }

    private Optional<Instant> sourceDateEpoch() {
        String v = args().getOrDefault("SOURCE_DATE_EPOCH", System.getenv("SOURCE_DATE_EPOCH"));
        if (v == null || v.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.ofEpochSecond(Long.parseLong(v.trim())));
        } catch (NumberFormatException e) {
            throw new KilnException("invalid SOURCE_DATE_EPOCH \"" + v + "\": want seconds since the epoch");
        }
    }

    @SuppressWarnings("unused")
    private static Set<String> set(List<String> l) {
        return new LinkedHashSet<>(l);
    }
}
