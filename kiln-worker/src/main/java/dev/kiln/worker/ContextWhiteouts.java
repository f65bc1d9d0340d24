package dev.kiln.worker;

import dev.kiln.snapshot.OverlayMarkers;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Hides the paths a client directory's .dockerignore excludes from a {@code RUN --mount=type=bind}
 * of the context: walks the directory and writes an overlay whiteout (a 0/0 character device) into
 * an upper dir for each excluded file, and for each excluded directory no re-included path can be
 * under ({@link MountedTree#skipDirectory}); an overlay of that upper dir over the client directory
 * then shows exactly what COPY would read. Directories made in the upper dir to hold whiteouts get
 * the mode, owner and times of the client's, since the overlay shows the upper dir's. Excluded directories that hold re-included paths
 * ({@code !pattern}) stay, with their excluded entries whited out one by one. Stateless.
 */
final class ContextWhiteouts {
    private ContextWhiteouts() {}

    /**
     * Walks {@code dir} (the tree's root or the directory at {@code prefix} inside it) and writes the
     * whiteouts into {@code upper}; returns how many it wrote.
     */
    static int write(MountedTree tree, Path dir, String prefix, Path upper) throws IOException {
        int[] count = {0};
        java.util.List<Path> madeDirs = new java.util.ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (d.equals(dir)) {
                    return FileVisitResult.CONTINUE;
                }
                String rel = rel(d);
                if (tree.skipDirectory(rel)) {
                    whiteout(d);
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (tree.excluded(rel(f))) {
                    whiteout(f);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException exc) {
                return FileVisitResult.CONTINUE;
            }

            private String rel(Path p) {
                String r = dir.relativize(p).toString();
                return prefix.isEmpty() ? r : prefix + "/" + r;
            }

            private void whiteout(Path p) throws IOException {
                Path relative = dir.relativize(p);
                for (int i = 1; i < relative.getNameCount(); i++) {
                    Path sub = relative.subpath(0, i);
                    Path made = upper.resolve(sub.toString());
                    if (!Files.isDirectory(made)) {
                        Files.createDirectory(made);
                        madeDirs.add(sub);
                    }
                }
                OverlayMarkers.makeWhiteout(upper.resolve(relative.toString()));
                count[0]++;
            }
        });
        for (Path sub : madeDirs) {
            mirror(dir.resolve(sub.toString()), upper.resolve(sub.toString()));
        }
        mirror(dir, upper);
        return count[0];
    }

    /**
     * Gives {@code made} (a directory of the upper dir) the mode, owner and times of {@code lower}: in an
     * overlay a directory present in both shows the upper one's metadata. Call after writing into it.
     */
    static void mirror(Path lower, Path made) throws IOException {
        java.util.Map<String, Object> a = Files.readAttributes(lower, "unix:mode,uid,gid,lastModifiedTime,lastAccessTime");
        Files.setAttribute(made, "unix:mode", ((Integer) a.get("mode")) & 07777);
        Files.setAttribute(made, "unix:uid", a.get("uid"));
        Files.setAttribute(made, "unix:gid", a.get("gid"));
        Files.getFileAttributeView(made, java.nio.file.attribute.BasicFileAttributeView.class)
                .setTimes((java.nio.file.attribute.FileTime) a.get("lastModifiedTime"),
                        (java.nio.file.attribute.FileTime) a.get("lastAccessTime"), null);
    }
}
