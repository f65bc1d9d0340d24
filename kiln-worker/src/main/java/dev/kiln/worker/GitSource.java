package dev.kiln.worker;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.llb.SourceOp;
import dev.kiln.solver.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code git://} source (ADD of a git repository): {@code git://REMOTE[#REF]} with the
 * attributes {@code git.fullurl} (the URL to fetch), {@code git.subdir} and
 * {@code git.keepgitdir}. The ref (branch, tag or commit; default HEAD) is resolved with
 * {@code git ls-remote} to a commit, which is the cache key, so a moved branch is fetched again
 * and an unchanged one hits. The tree is the checkout of that commit (or of the subdir), without
 * {@code .git} unless kept. Runs the host's git(1). One per worker; stateless between calls.
 */
final class GitSource {
    private final Path dir;

    GitSource(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    static boolean handles(SourceOp s) {
        return s.scheme().equals("git");
    }

    private static String url(SourceOp s) {
        return s.attrs().getOrDefault("git.fullurl", "https://" + remote(s));
    }

    private static String remote(SourceOp s) {
        String loc = s.location();
        int hash = loc.indexOf('#');
        return hash < 0 ? loc : loc.substring(0, hash);
    }

    private static String ref(SourceOp s) {
        String loc = s.location();
        int hash = loc.indexOf('#');
        return hash < 0 ? "" : loc.substring(hash + 1);
    }

    /** The cache key: the op's key and the commit the ref names now. */
    Digest cacheKey(SourceOp s, Digest opKey) {
        String commit = commit(s);
        return Digest.sha256((opKey + "\n" + commit).getBytes(StandardCharsets.UTF_8));
    }

    private String commit(SourceOp s) {
        String ref = ref(s);
        if (ref.matches("[0-9a-f]{40}|[0-9a-f]{64}")) {
            return ref;
        }
        String out = git(null, "ls-remote", url(s), ref.isEmpty() ? "HEAD" : ref);
        List<String> candidates = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 2) {
                candidates.add(f[0] + "\t" + f[1]);
            }
        }
        // a peeled tag (refs/tags/v1^{}) names the commit; prefer it over the tag object
        for (String c : candidates) {
            if (c.endsWith("^{}")) {
                return c.substring(0, c.indexOf('\t'));
            }
        }
        for (String c : candidates) {
            String name = c.substring(c.indexOf('\t') + 1);
            if (ref.isEmpty() || name.equals(ref) || name.equals("refs/heads/" + ref) || name.equals("refs/tags/" + ref)
                    || name.equals("HEAD")) {
                return c.substring(0, c.indexOf('\t'));
            }
        }
        throw new KilnException("git: ref \"" + ref + "\" not found in " + url(s));
    }

    /** Clones, checks out the commit and commits the tree as a snapshot. */
    Result run(SourceOp s, Trees trees) throws IOException {
        String commit = commit(s);
        Path work = Files.createTempDirectory(dir, "clone");
        try {
            git(null, "clone", "--quiet", "--no-checkout", url(s), work.toString());
            git(work, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit);
            git(work, "submodule", "update", "--init", "--recursive", "--quiet");
            String subdir = s.attrs().getOrDefault("git.subdir", "");
            Path from = subdir.isEmpty() ? work : work.resolve(dev.kiln.common.files.RelativePaths.clean(subdir));
            if (!from.normalize().startsWith(work) || !Files.isDirectory(from)) {
                throw new KilnException("git: " + subdir + " is not a directory of " + url(s));
            }
            if (!Boolean.parseBoolean(s.attrs().get("git.keepgitdir"))) {
                dev.kiln.common.files.FileTrees.deleteRecursively(work.resolve(".git"));
            }
            try (Trees.ActiveTree t = trees.prepare(Result.EMPTY)) {
                run(List.of("cp", "-a", from + "/.", t.root().toString()), null);
                return t.commit();
            }
        } finally {
            dev.kiln.common.files.FileTrees.deleteRecursively(work);
        }
    }

    private static String git(Path cwd, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "protocol.file.allow=always"));
        cmd.addAll(List.of(args));
        return run(cmd, cwd);
    }

    private static String run(List<String> cmd, Path cwd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            if (cwd != null) {
                pb.directory(cwd.toFile());
            }
            pb.environment().put("GIT_TERMINAL_PROMPT", "0");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new KilnException(String.join(" ", cmd) + " did not finish in 10 minutes");
            }
            if (p.exitValue() != 0) {
                throw new KilnException(cmd.get(0) + " " + cmd.get(cmd.size() > 3 ? 3 : 1) + " failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new KilnException("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KilnException("interrupted while running " + cmd.get(0), e);
        }
    }
}
