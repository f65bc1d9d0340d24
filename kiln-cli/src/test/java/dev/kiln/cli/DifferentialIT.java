package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential test: every Dockerfile of {@code src/test/resources/differential/NN-name/}
 * is built by Kiln (through the launcher) and by buildah ({@code buildah bud}, Debian's), both
 * from the same offline busybox base (built by Kiln, saved with {@code kiln save} and pulled
 * into buildah from the OCI archive); then the image configs (Env, Cmd, Entrypoint,
 * WorkingDir, User, Labels, ExposedPorts, Volumes, StopSignal, Healthcheck, OnBuild, Shell)
 * and the flattened file trees (path, type, mode, owner, content, link target; no times)
 * are compared. Each difference is reported; those listed in {@code differential/allowed.txt}
 * (case, a pattern, the reason: where BuildKit behaves as Kiln does) pass, the rest fail.
 *
 * <p>A case directory holds the Dockerfile and its context; optional files: {@code prepare.sh}
 * (run in a copy of the context first, for modes, links and empty directories git cannot
 * hold), {@code build-args} (KEY=VALUE lines given to both builders) and {@code target}.
 * buildah runs with the vfs driver and runc under a storage root of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DifferentialIT {
    /** buildah's own label, which BuildKit does not add. */
    private static final String BUILDAH_LABEL = "io.buildah.version";
    @TempDir
    static Path tmp;
    KilnRunner kiln;
    Path confFile;
    Path corpus;

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(BuildIT.onPath("buildah"), "buildah is not installed");
        assumeTrue(BuildIT.onPath("runc"), "runc is not installed");
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
        corpus = KilnRunner.repoRoot().resolve("kiln-cli/src/test/resources/differential");
        kiln = new KilnRunner(tmp.resolve("kiln-state"));
        kiln.buildBusybox(tmp);
        Path base = tmp.resolve("busybox-oci.tar");
        KilnRunner.Run save = kiln.run("save", "-o", base.toString(), "busybox:latest");
        assertThat(save.exit()).as(save.all()).isZero();
        confFile = Files.writeString(tmp.resolve("containers.conf"), """
                [containers]
                default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
                [engine]
                runtime = "runc"
                """);
        KilnRunner.Run pull = buildah("pull", "oci-archive:" + base);
        assertThat(pull.exit()).as(pull.all()).isZero();
    }

    private KilnRunner.Run buildah(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("buildah", "--storage-driver", "vfs",
                "--root", tmp.resolve("buildah-root").toString(), "--runroot", tmp.resolve("buildah-run").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("CONTAINERS_CONF", confFile.toString());
        pb.environment().put("BUILDAH_FORMAT", "docker");
        return KilnRunner.finish(pb.start());
    }

    @Test
    void kilnAndBuildahBuildTheSameImagesFromTheCorpus() throws Exception {
        List<Path> cases;
        try (var s = Files.list(corpus)) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(cases).as("corpus size").hasSizeGreaterThanOrEqualTo(40);
        List<Allowed> allowed = Allowed.read(corpus.resolve("allowed.txt"));
        List<String> failures = new ArrayList<>();
        List<String> tolerated = new ArrayList<>();
        for (Path c : cases) {
            String name = c.getFileName().toString();
            for (String diff : compare(c)) {
                String line = name + ": " + diff;
                Allowed a = allowed.stream().filter(x -> x.matches(name, diff)).findFirst().orElse(null);
                if (a == null) {
                    failures.add(line);
                } else {
                    tolerated.add(line + "   [allowed: " + a.reason() + "]");
                }
            }
        }
        System.out.println("Differential test: " + cases.size() + " cases, " + failures.size() + " differences, "
                + tolerated.size() + " allowed");
        tolerated.forEach(t -> System.out.println("  allowed  " + t));
        failures.forEach(f -> System.out.println("  DIFFERS  " + f));
        assertThat(failures).as("differences from buildah not in allowed.txt").isEmpty();
    }

    /** Builds one case with both builders and lists the differences. */
    private List<String> compare(Path caseDir) throws Exception {
        String name = caseDir.getFileName().toString();
        Path ctx = tmp.resolve("ctx").resolve(name);
        copyTree(caseDir, ctx);
        if (Files.exists(ctx.resolve("prepare.sh"))) {
            KilnRunner.Run prep = BuildIT.exec(ctx, "/bin/sh", "prepare.sh");
            assertThat(prep.exit()).as(name + " prepare.sh: " + prep.all()).isZero();
        }
        List<String> flags = new ArrayList<>();
        if (Files.exists(caseDir.resolve("build-args"))) {
            for (String l : Files.readAllLines(caseDir.resolve("build-args"))) {
                if (!l.isBlank()) {
                    flags.add("--build-arg");
                    flags.add(l.strip());
                }
            }
        }
        if (Files.exists(caseDir.resolve("target"))) {
            flags.add("--target");
            flags.add(Files.readString(caseDir.resolve("target")).strip());
        }
        Path kilnOut = tmp.resolve(name + "-kiln.tar");
        Path buildahOut = tmp.resolve(name + "-buildah.tar");
        List<String> kilnArgs = new ArrayList<>(List.of("build", "--progress", "plain", "-o", "type=oci,dest=" + kilnOut));
        kilnArgs.addAll(flags);
        kilnArgs.add(ctx.toString());
        CompletableFuture<KilnRunner.Run> kilnRun = CompletableFuture.supplyAsync(() -> {
            try {
                KilnRunner.Run r = kiln.run(kilnArgs);
                for (int attempt = 0; attempt < 4 && r.exit() != 0 && LAUNCHER_REBUILT.matcher(r.all()).find(); attempt++) {
                    Thread.sleep(15_000); // the shared kiln-cli/target is being rebuilt under the launcher
                    r = kiln.run(kilnArgs);
                }
                return r;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<String> budArgs = new ArrayList<>(List.of("bud", "--pull-never", "-t", "diff-" + name));
        budArgs.addAll(flags);
        budArgs.add(ctx.toString());
        KilnRunner.Run bud = buildah(budArgs.toArray(String[]::new));
        KilnRunner.Run k = kilnRun.get();
        List<String> out = new ArrayList<>();
        if (k.exit() != 0 || bud.exit() != 0) {
            if ((k.exit() == 0) != (bud.exit() == 0)) {
                out.add("build result: kiln exit " + k.exit() + ", buildah exit " + bud.exit() + "\n--- kiln:\n"
                        + tail(k.all()) + "\n--- buildah:\n" + tail(bud.all()));
            }
            return out;
        }
        KilnRunner.Run push = buildah("push", "diff-" + name, "oci-archive:" + buildahOut);
        assertThat(push.exit()).as(push.all()).isZero();
        KilnRunner.Run inspect = buildah("inspect", "--type", "image", "diff-" + name);
        assertThat(inspect.exit()).as(inspect.all()).isZero();
        OciArchiveImage a = OciArchiveImage.read(kilnOut);
        OciArchiveImage b = OciArchiveImage.read(buildahOut);
        dropRunStubs(a.tree(), b.tree());
        Map<String, String> ca = a.configFields();
        // the Docker form of buildah's config: its OCI form has no Healthcheck, OnBuild or Shell
        Map<String, String> cb = OciArchiveImage.configFields(JSON.readTree(inspect.stdout()).path("Docker").path("config"));
        cb.computeIfPresent("Labels", (key, v) -> v.replaceAll("(, )?" + Pattern.quote(BUILDAH_LABEL) + "=\"[^\"]*\"", "")
                .replace("{, ", "{"));
        cb.remove("Labels", "{}");
        for (String f : new TreeSet<>(union(ca.keySet(), cb.keySet()))) {
            if (!java.util.Objects.equals(ca.get(f), cb.get(f))) {
                out.add("config " + f + ": kiln=" + ca.get(f) + " buildah=" + cb.get(f));
            }
        }
        for (String p : new TreeSet<>(union(a.tree().keySet(), b.tree().keySet()))) {
            String x = a.tree().get(p);
            String y = b.tree().get(p);
            if (!java.util.Objects.equals(x, y)) {
                out.add("file " + p + ": kiln=" + x + " buildah=" + y);
            }
        }
        return out;
    }

    /**
     * buildah leaves the empty files and directories it mounts over during RUN (/dev, /proc,
     * /sys, /run, /etc/hosts, /etc/hostname, /etc/resolv.conf) in the image; BuildKit, like
     * Kiln, removes such mount stubs. They are dropped from buildah's tree when Kiln has none.
     */
    private static void dropRunStubs(Map<String, String> kilnTree, Map<String, String> buildahTree) {
        for (String stub : RUN_STUBS) {
            String desc = buildahTree.get(stub);
            if (desc == null || kilnTree.containsKey(stub)) {
                continue;
            }
            boolean emptyFile = desc.startsWith("file ") && desc.endsWith(EMPTY_SHA);
            boolean emptyDir = desc.startsWith("dir ") && buildahTree.keySet().stream().noneMatch(p -> p.startsWith(stub + "/"));
            if (emptyFile || emptyDir) {
                buildahTree.remove(stub);
            }
        }
    }

    private static final List<String> RUN_STUBS = List.of("/dev", "/proc", "/sys", "/run", "/etc/hosts", "/etc/hostname",
            "/etc/resolv.conf");
    private static final Pattern LAUNCHER_REBUILT = Pattern.compile(
            "Could not find or load main class|NoClassDefFoundError|ClassNotFoundException|ZipException|AnnotationParser");
    private static final String EMPTY_SHA = "sha256:e3b0c44298fc1c14";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static String tail(String s) {
        String[] lines = s.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 8), lines.length));
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        try (var files = Files.walk(src)) {
            for (Path f : files.toList()) {
                Path t = dst.resolve(src.relativize(f).toString());
                if (Files.isSymbolicLink(f)) {
                    Files.createDirectories(t.getParent());
                    Files.createSymbolicLink(t, Files.readSymbolicLink(f));
                } else if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** One line of allowed.txt: {@code CASE-GLOB | DIFFERENCE-REGEX | reason}. */
    record Allowed(Pattern caseName, Pattern difference, String reason) {
        static List<Allowed> read(Path file) throws IOException {
            List<Allowed> out = new ArrayList<>();
            if (!Files.exists(file)) {
                return out;
            }
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\\s\\|\\s", 3);
                if (parts.length != 3) {
                    throw new IllegalArgumentException("allowed.txt: want CASE | REGEX | REASON: " + line);
                }
                out.add(new Allowed(Pattern.compile(parts[0].strip().replace("*", ".*")), Pattern.compile(parts[1].strip()),
                        parts[2].strip()));
            }
            return out;
        }

        boolean matches(String name, String diff) {
            return caseName.matcher(name).matches() && difference.matcher(diff).find();
        }
    }
}
