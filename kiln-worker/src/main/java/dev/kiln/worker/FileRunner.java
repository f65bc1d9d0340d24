package dev.kiln.worker;

import dev.kiln.common.KilnException;
import dev.kiln.common.files.FileTrees;
import dev.kiln.llb.FileAction;
import dev.kiln.llb.FileOp;
import dev.kiln.solver.Result;
import dev.kiln.worker.fs.Accounts;
import dev.kiln.worker.fs.Glob;
import dev.kiln.worker.fs.RootedPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link FileOp}s: prepares a snapshot on the base input, applies the actions in order
 * with plain file operations (no container), and commits the snapshot. Source inputs are
 * opened read-only for as long as the op runs.
 */
final class FileRunner {
    private final Trees trees;

    FileRunner(Trees trees) {
        this.trees = trees;
    }

    Result run(FileOp op, List<Result> inputs) throws IOException {
        Result base = op.base() < 0 ? Result.EMPTY : inputs.get(op.base());
        Map<Integer, MountedTree> sources = new HashMap<>();
        try (Trees.ActiveTree dest = trees.prepare(base)) {
            for (FileAction a : op.actions()) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new IOException("cancelled");
                }
                switch (a) {
                    case FileAction.Copy c -> {
                        MountedTree src = sources.get(c.sourceInput());
                        if (src == null) {
                            src = trees.view(inputs.get(c.sourceInput()));
                            sources.put(c.sourceInput(), src);
                        }
                        new CopyAction(c, src, Refs.isLocal(inputs.get(c.sourceInput())), dest.root()).apply();
                    }
                    case FileAction.Mkdir m -> mkdir(dest.root(), m);
                    case FileAction.Mkfile f -> mkfile(dest.root(), f);
                    case FileAction.Rm r -> rm(dest.root(), r);
                    case FileAction.Symlink s -> symlink(dest.root(), s);
                }
            }
            closeAll(sources);
            return dest.commit();
        } finally {
            closeAll(sources);
        }
    }

    private static void closeAll(Map<Integer, MountedTree> sources) {
        for (MountedTree t : sources.values()) {
            t.close();
        }
        sources.clear();
    }

    private static void mkdir(Path root, FileAction.Mkdir m) throws IOException {
        Path p = RootedPaths.resolve(root, m.path());
        if (Files.isDirectory(p)) {
            return;
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new KilnException("mkdir " + m.path() + ": a file with that name exists");
        }
        Accounts.Owner owner = m.chown() == null ? null
                : new Accounts(root).resolve(m.chown().user() == null ? "0" : m.chown().user(), m.chown().group());
        List<Path> created = new ArrayList<>();
        Path cur = p;
        while (!Files.exists(cur, LinkOption.NOFOLLOW_LINKS)) {
            created.addFirst(cur);
            cur = cur.getParent();
            if (!m.makeParents() && created.size() > 1) {
                throw new KilnException("mkdir " + m.path() + ": parent directory does not exist");
            }
        }
        for (Path c : created) {
            Files.createDirectory(c);
            Files.setAttribute(c, "unix:mode", c.equals(p) ? m.mode() : 0755);
            if (owner != null) {
                Files.setAttribute(c, "unix:uid", owner.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(c, "unix:gid", owner.gid(), LinkOption.NOFOLLOW_LINKS);
            }
            stamp(c, m.timestamp());
        }
    }

    private static void mkfile(Path root, FileAction.Mkfile f) throws IOException {
        Path p = RootedPaths.resolve(root, f.path());
        Files.createDirectories(p.getParent());
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new KilnException("cannot write file " + f.path() + ": it is a directory");
        }
        Files.deleteIfExists(p);
        Files.write(p, f.data());
        Files.setAttribute(p, "unix:mode", f.mode());
        if (f.chown() != null) {
            Accounts.Owner o = new Accounts(root).resolve(f.chown().user() == null ? "0" : f.chown().user(), f.chown().group());
            Files.setAttribute(p, "unix:uid", o.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", o.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        stamp(p, f.timestamp());
    }

    private static void rm(Path root, FileAction.Rm r) throws IOException {
        List<Path> targets = new ArrayList<>();
        if (r.allowWildcard() && Glob.hasMeta(r.path())) {
            Path dir = RootedPaths.resolve(root, r.path().substring(0, Math.max(r.path().lastIndexOf('/'), 0)));
            var pattern = Glob.compile(r.path().substring(r.path().lastIndexOf('/') + 1));
            if (Files.isDirectory(dir)) {
                try (var s = Files.list(dir)) {
                    s.filter(x -> pattern.matcher(x.getFileName().toString()).matches()).forEach(targets::add);
                }
            }
        } else {
            targets.add(RootedPaths.resolve(root, r.path(), false));
        }
        if (targets.isEmpty() || !Files.exists(targets.get(0), LinkOption.NOFOLLOW_LINKS)) {
            if (!r.allowNotFound()) {
                throw new KilnException("rm " + r.path() + ": no such file or directory");
            }
        }
        for (Path t : targets) {
            FileTrees.deleteRecursively(t);
        }
    }

    private static void symlink(Path root, FileAction.Symlink s) throws IOException {
        Path p = RootedPaths.resolve(root, s.path(), false);
        Files.createDirectories(p.getParent());
        Files.deleteIfExists(p);
        Files.createSymbolicLink(p, Path.of(s.target()));
    }

    private static void stamp(Path p, Long timestamp) throws IOException {
        if (timestamp != null) {
            Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(FileTime.fromMillis(timestamp * 1000), null, null);
        }
    }
}
