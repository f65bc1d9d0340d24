package dev.kiln.llb.dsl;

import dev.kiln.llb.FileAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An ordered chain of file changes for {@link State#file}, built the way the Go {@code llb}
 * package builds its {@code FileAction}s: start with a static factory
 * ({@code FileActions.copy(src, "/app", "/app")}) and append with the {@code then…} methods
 * ({@code .thenMkdir("/data", 0755)}). Relative paths are resolved against the working
 * directory of the state the chain is applied to (the source state's for a copy's source)
 * when the graph is marshalled, so a working directory taken from an image's config applies.
 * Immutable: every method returns a new chain.
 */
public final class FileActions {
    /** One action; {@code from} is the state a copy reads, null for the others. */
    record Step(FileAction action, State from) {}

    private final List<Step> steps;

    private FileActions(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    List<Step> steps() {
        return steps;
    }

    private FileActions then(Step s) {
        List<Step> next = new ArrayList<>(steps);
        next.add(s);
        return new FileActions(next);
    }

    private static final FileActions EMPTY = new FileActions(List.of());

    /** Copies {@code src} of {@code from} to {@code dest}, as a Dockerfile {@code COPY --from} does. */
    public static FileActions copy(State from, String src, String dest) {
        return EMPTY.thenCopy(from, src, dest, CopyOptions.DEFAULT);
    }

    /** Copies {@code src} of {@code from} to {@code dest} with the given options. */
    public static FileActions copy(State from, String src, String dest, CopyOptions opts) {
        return EMPTY.thenCopy(from, src, dest, opts);
    }

    /** Creates directory {@code path} with {@code mode} (e.g. {@code 0755}) and its missing parents. */
    public static FileActions mkdir(String path, int mode) {
        return EMPTY.thenMkdir(path, mode);
    }

    /** Creates or replaces file {@code path} holding {@code data}. */
    public static FileActions mkfile(String path, int mode, byte[] data) {
        return EMPTY.thenMkfile(path, mode, data);
    }

    /** Creates or replaces file {@code path} holding {@code text} in UTF-8. */
    public static FileActions mkfile(String path, int mode, String text) {
        return EMPTY.thenMkfile(path, mode, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Removes {@code path}; fails the build if it does not exist. */
    public static FileActions rm(String path) {
        return EMPTY.thenRm(path, false);
    }

    /** Removes {@code path}, which need not exist when {@code allowNotFound}. */
    public static FileActions rm(String path, boolean allowNotFound) {
        return EMPTY.thenRm(path, allowNotFound);
    }

    /** Creates a symbolic link at {@code path} pointing to {@code target}. */
    public static FileActions symlink(String path, String target) {
        return EMPTY.thenSymlink(path, target);
    }

    /** This chain, then a copy. */
    public FileActions thenCopy(State from, String src, String dest, CopyOptions o) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(o, "opts");
        return then(new Step(new FileAction.Copy(-1, src, dest, o.chown(), o.chmod(),
                o.followSymlinks(), o.dirContentsOnly(), o.createDestPath(), o.allowWildcard(), o.allowEmptyWildcard(),
                o.includePatterns(), o.excludePatterns(), false, o.timestamp(), false), from));
    }

    /** This chain, then a copy with {@link CopyOptions#DEFAULT}. */
    public FileActions thenCopy(State from, String src, String dest) {
        return thenCopy(from, src, dest, CopyOptions.DEFAULT);
    }

    /** This chain, then a mkdir (with parents). */
    public FileActions thenMkdir(String path, int mode) {
        return then(new Step(new FileAction.Mkdir(path, mode, true, null, null), null));
    }

    /** This chain, then a mkfile. */
    public FileActions thenMkfile(String path, int mode, byte[] data) {
        return then(new Step(new FileAction.Mkfile(path, mode, data.clone(), null, null), null));
    }

    /** This chain, then a rm. */
    public FileActions thenRm(String path, boolean allowNotFound) {
        return then(new Step(new FileAction.Rm(path, allowNotFound, false), null));
    }

    /** This chain, then a symlink. */
    public FileActions thenSymlink(String path, String target) {
        return then(new Step(new FileAction.Symlink(path, target), null));
    }
}
