package dev.kiln.worker;

import dev.kiln.common.KilnException;
import dev.kiln.llb.FileAction;
import dev.kiln.solver.ContentSelector;
import dev.kiln.worker.fs.Accounts;
import dev.kiln.worker.fs.FileMeta;
import dev.kiln.worker.fs.ModeSpec;
import dev.kiln.worker.fs.RootedPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Docker's COPY semantics for one source of a {@link FileAction.Copy}: a directory source
 * copies its contents; a file goes to {@code dest} itself, or into it when dest ends with
 * {@code /} or is an existing directory; wildcards expand to sorted matches; missing parent
 * directories are created. Owners: {@code --chown} resolved in the destination's
 * /etc/passwd and /etc/group; otherwise root for files from the client, and the source's
 * owner for files from another stage or image. Modes and modification times are kept unless
 * {@code --chmod} or a timestamp says otherwise. Hard links inside the copied set stay links.
 */
final class CopyAction {
    private final FileAction.Copy copy;
    private final MountedTree source;
    private final boolean sourceIsClient;
    private final Path destRoot;
    private final ModeSpec chmod;
    private final Accounts.Owner owner;
    private final Map<Object, Path> linkTargets = new HashMap<>();
    /** The source path being copied (relative to the source root): --exclude patterns apply below it. */
    private String matchRoot = "";

    CopyAction(FileAction.Copy copy, MountedTree source, boolean sourceIsClient, Path destRoot) {
        this.copy = copy;
        this.source = source;
        this.sourceIsClient = sourceIsClient;
        this.destRoot = destRoot;
        this.chmod = copy.chmod() == null || copy.chmod().isEmpty() ? null : ModeSpec.parse(copy.chmod());
        this.owner = copy.chown() == null ? (sourceIsClient ? new Accounts.Owner(0, 0) : null)
                : new Accounts(destRoot).resolve(copy.chown().user() == null ? "0" : copy.chown().user(), copy.chown().group());
    }

    void apply() throws IOException {
        ContentSelector sel = new ContentSelector(List.of(copy.src()), copy.allowWildcard(), copy.followSymlinks(),
                copy.includePatterns(), copy.excludePatterns());
        List<ChecksumMatches.Match> matches = new ChecksumMatches(source, sel).expand();
        boolean wildcard = copy.allowWildcard() && dev.kiln.worker.fs.Glob.hasMeta(copy.src());
        boolean any = false;
        for (ChecksumMatches.Match m : matches) {
            if (m.path() == null) {
                if (wildcard && copy.allowEmptyWildcard()) {
                    continue;
                }
                throw new KilnException("\"" + copy.src() + "\": not found"
                        + (sourceIsClient ? " in the build context (is it excluded by .dockerignore?)" : ""));
            }
            any = true;
            matchRoot = m.relative();
            if (wildcard && excludedByCopy(m.relative())) {
                continue;
            }
            copyOne(m.relative(), wildcard);
        }
        if (!any && !(wildcard && copy.allowEmptyWildcard())) {
            throw new KilnException("\"" + copy.src() + "\": no source files were specified");
        }
    }

    private void copyOne(String rel, boolean multiple) throws IOException {
        Path src = copy.followSymlinks() ? RootedPaths.resolve(source.root(), rel) : source.root().resolve(rel);
        if (!rel.isEmpty() && !src.normalize().startsWith(source.root())) {
            throw new KilnException("\"" + copy.src() + "\" points outside the source");
        }
        FileMeta meta = FileMeta.read(src);
        String dest = copy.dest();
        if (copy.unpackArchive() && meta.type() == FileMeta.Type.FILE && ArchiveExtractor.isArchive(src)) {
            ensureDir(dest);
            ArchiveExtractor.extract(src, destRoot, dest, copy.chown() == null ? null : owner);
            return;
        }
        if (copy.parents()) {
            copyWithParents(src, meta, rel);
            return;
        }
        boolean destIsDirHint = dest.endsWith("/") || multiple;
        if (meta.type() == FileMeta.Type.DIRECTORY && copy.dirContentsOnly()) {
            Path target = ensureDir(dest);
            copyChildren(src, target, rel);
            return;
        }
        Path destPath = RootedPaths.resolve(destRoot, dest);
        Path target;
        if (destIsDirHint || Files.isDirectory(destPath)) {
            Path dir = ensureDir(dest);
            String base = rel.isEmpty() ? src.getFileName().toString() : rel.substring(rel.lastIndexOf('/') + 1);
            target = dir.resolve(base);
        } else {
            Path parent = ensureDir(parentOf(dest));
            target = parent.resolve(destPath.getFileName().toString());
        }
        copyEntry(src, target, meta, rel);
    }

    /**
     * {@code --parents}: the source keeps its path below dest ({@code a/b/c.txt} → {@code DEST/a/b/c.txt});
     * a {@code /./} in the source marks where the kept path starts ({@code ./src/./pkg/f} → {@code DEST/pkg/f}).
     */
    private void copyWithParents(Path src, FileMeta meta, String rel) throws IOException {
        String kept = rel;
        String pattern = copy.src().replaceFirst("^/+", "");
        while (pattern.startsWith("./")) {
            pattern = pattern.substring(2);
        }
        int pivot = pattern.indexOf("/./");
        if (pivot >= 0) {
            String before = dev.kiln.common.files.RelativePaths.clean(pattern.substring(0, pivot));
            int skip = before.isEmpty() ? 0 : before.split("/").length;
            String[] parts = rel.split("/");
            kept = String.join("/", java.util.Arrays.copyOfRange(parts, Math.min(skip, parts.length), parts.length));
        }
        String dest = copy.dest().endsWith("/") ? copy.dest() : copy.dest() + "/";
        if (kept.isEmpty()) {
            copyChildren(src, ensureDir(dest), rel);
            return;
        }
        Path parent = ensureDir(parentOf(dest + kept));
        Path target = parent.resolve(kept.substring(kept.lastIndexOf('/') + 1));
        if (meta.type() == FileMeta.Type.DIRECTORY && Files.isDirectory(target)) {
            copyChildren(src, target, rel);
            setMeta(target, meta, true);
            return;
        }
        copyEntry(src, target, meta, rel);
    }

    private void copyChildren(Path srcDir, Path destDir, String rel) throws IOException {
        List<Path> children;
        try (var s = Files.list(srcDir)) {
            children = s.sorted().toList();
        }
        for (Path c : children) {
            String childRel = rel.isEmpty() ? c.getFileName().toString() : rel + "/" + c.getFileName();
            boolean isDir = Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS);
            if (isDir && source.skipDirectory(childRel)) {
                continue;
            }
            if (!isDir && source.excluded(childRel)) {
                continue;
            }
            if (excludedByCopy(childRel)) {
                continue;
            }
            copyEntry(c, destDir.resolve(c.getFileName().toString()), FileMeta.read(c), childRel);
        }
    }

    private boolean excludedByCopy(String childRel) {
        ContentSelector sel = new ContentSelector(List.of(), false, false, null, copy.excludePatterns());
        return ChecksumMatches.excludedBySelector(sel, matchRoot, childRel);
    }

    private void copyEntry(Path src, Path target, FileMeta meta, String rel) throws IOException {
        switch (meta.type()) {
            case DIRECTORY -> {
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(target);
                }
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(target);
                }
                copyChildren(src, target, rel);
                setMeta(target, meta, true);
            }
            case FILE -> {
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new KilnException("cannot copy file " + rel + " over directory " + destRoot.relativize(target));
                }
                Object inode = Files.getAttribute(src, "unix:ino", LinkOption.NOFOLLOW_LINKS);
                int nlink = (Integer) Files.getAttribute(src, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
                Path first = nlink > 1 ? linkTargets.get(inode) : null;
                Files.deleteIfExists(target);
                if (first != null) {
                    Files.createLink(target, first);
                    return;
                }
                Files.copy(src, target, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
                if (nlink > 1) {
                    linkTargets.put(inode, target);
                }
                setMeta(target, meta, false);
            }
            case SYMLINK -> {
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new KilnException("cannot copy symlink " + rel + " over directory " + destRoot.relativize(target));
                }
                Files.deleteIfExists(target);
                Files.createSymbolicLink(target, Files.readSymbolicLink(src));
                setOwner(target, meta);
                setTime(target, meta.mtime());
            }
            case OTHER -> {
                // sockets, fifos and devices are not copied, as in the reference
            }
        }
    }

    /** Makes sure a destination directory exists (parents too), created ones owned per --chown. */
    private Path ensureDir(String dest) throws IOException {
        Path p = RootedPaths.resolve(destRoot, dest);
        if (Files.isDirectory(p)) {
            return p;
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new KilnException("cannot copy to " + dest + ": it exists and is not a directory");
        }
        String parent = parentOf(dest.endsWith("/") ? dest.substring(0, dest.length() - 1) : dest);
        Path parentPath = parent.equals(dest) ? destRoot : ensureDir(parent);
        Path created = parentPath.resolve(p.getFileName().toString());
        Files.createDirectory(created);
        Files.setAttribute(created, "unix:mode", 0755);
        if (owner != null) {
            Files.setAttribute(created, "unix:uid", owner.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(created, "unix:gid", owner.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        return created;
    }

    private static String parentOf(String path) {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        int i = p.lastIndexOf('/');
        return i <= 0 ? "/" : p.substring(0, i);
    }

    private void setMeta(Path target, FileMeta meta, boolean dir) throws IOException {
        int mode = chmod != null ? chmod.apply(meta.mode(), dir) : meta.mode();
        setOwner(target, meta);
        Files.setAttribute(target, "unix:mode", mode);
        setTime(target, meta.mtime());
    }

    private void setOwner(Path target, FileMeta meta) throws IOException {
        int uid = owner != null ? owner.uid() : meta.uid();
        int gid = owner != null ? owner.gid() : meta.gid();
        Files.setAttribute(target, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    private void setTime(Path target, FileTime mtime) throws IOException {
        FileTime t = copy.timestamp() != null ? FileTime.fromMillis(copy.timestamp() * 1000) : mtime;
        Files.getFileAttributeView(target, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(t, null, null);
    }
}
