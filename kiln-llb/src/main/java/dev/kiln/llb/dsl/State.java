package dev.kiln.llb.dsl;

import dev.kiln.llb.Definition;
import dev.kiln.llb.DefinitionBuilder;
import dev.kiln.llb.DiffOp;
import dev.kiln.llb.Edge;
import dev.kiln.llb.ExecMeta;
import dev.kiln.llb.ExecMount;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.FileAction;
import dev.kiln.llb.FileOp;
import dev.kiln.llb.MergeOp;
import dev.kiln.llb.SourceOp;
import dev.kiln.llb.VertexMeta;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A file system under construction plus the process defaults (environment, working
 * directory, user) later {@link #run}s use: the Java counterpart of the Go {@code llb.State}.
 * Start from {@link #image}, {@link #scratch} or {@link #local}, chain {@link #run} and
 * {@link #file}, then {@link #marshal} the chain into a {@link Definition} the engine or kilnd
 * solves. States are immutable values: every method returns a new state and the old one stays
 * usable, so a state can be the base of several branches. Marshalling is deterministic: equal
 * chains give equal definitions with equal digests.
 */
public final class State {
    /** The PATH a run gets when the state sets none, as BuildKit's {@code llb} package adds. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static final String IMAGE_SCHEME = "docker-image://";

    private final PendingOp.Output output;
    private final Map<String, String> env;
    private final String dir;
    private final String user;

    private State(PendingOp.Output output, Map<String, String> env, String dir, String user) {
        this.output = output;
        this.env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        this.dir = dir;
        this.user = user;
    }

    /** An empty file system ({@code FROM scratch}). */
    public static State scratch() {
        return new State(null, Map.of(), "/", "");
    }

    /**
     * The root file system of image {@code reference} ({@code busybox:latest},
     * {@code registry:5000/app@sha256:…}). A reference without a digest is pinned when the chain
     * is marshalled with a resolver ({@link #marshal(UnaryOperator)}); the image's own
     * environment is not read: set what runs need with {@link #env}.
     */
    public static State image(String reference) {
        Objects.requireNonNull(reference, "reference");
        if (reference.isBlank() || reference.contains("://")) {
            throw new IllegalArgumentException("not an image reference: \"" + reference + "\"");
        }
        PendingOp op = new PendingOp(SourceOp.of(IMAGE_SCHEME + reference), List.of(),
                VertexMeta.named(IMAGE_SCHEME + reference), reference);
        return new State(new PendingOp.Output(op, 0), Map.of(), "/", "");
    }

    /** Files the client offers under {@code name}; the build context is {@code context}. */
    public static State local(String name) {
        Objects.requireNonNull(name, "name");
        PendingOp op = new PendingOp(SourceOp.of("local://" + name), List.of(), VertexMeta.named("local://" + name), null);
        return new State(new PendingOp.Output(op, 0), Map.of(), "/", "");
    }

    /**
     * The file systems of {@code states} stacked, later over earlier, as layers would be
     * ({@code llb.Merge}); process defaults are the first state's. Empty states are left out.
     */
    public static State merge(List<State> states) {
        if (states.isEmpty()) {
            throw new IllegalArgumentException("merge needs at least one state");
        }
        List<PendingOp.Output> inputs = new ArrayList<>();
        for (State st : states) {
            if (st.output != null) {
                inputs.add(st.output);
            }
        }
        State first = states.getFirst();
        if (inputs.isEmpty()) {
            return new State(null, first.env, first.dir, first.user);
        }
        PendingOp op = new PendingOp(new MergeOp(inputs.size()), inputs, VertexMeta.named("merge"), null);
        return new State(new PendingOp.Output(op, 0), first.env, first.dir, first.user);
    }

    /**
     * What {@code upper} changed relative to {@code lower}, as a file system of its own
     * ({@code llb.Diff}); process defaults are {@code upper}'s.
     */
    public static State diff(State lower, State upper) {
        List<PendingOp.Output> inputs = new ArrayList<>();
        int l = inputIndex(inputs, lower.output);
        int u = inputIndex(inputs, upper.output);
        PendingOp op = new PendingOp(new DiffOp(l, u), inputs, VertexMeta.named("diff"), null);
        return new State(new PendingOp.Output(op, 0), upper.env, upper.dir, upper.user);
    }

    /** This state with environment variable {@code key} set for later runs. */
    public State env(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Map<String, String> next = new LinkedHashMap<>(env);
        next.remove(key);
        next.put(key, value);
        return new State(output, next, dir, user);
    }

    /** This state with working directory {@code path} (relative: against the current one). */
    public State dir(String path) {
        return new State(output, env, resolvePath(path), user);
    }

    /** This state with later runs as {@code user} ({@code name|uid[:group|gid]}). */
    public State user(String user) {
        return new State(output, env, dir, Objects.requireNonNull(user, "user"));
    }

    /** The environment later runs get, in the order variables were first set. */
    public Map<String, String> environment() {
        return env;
    }

    /** The working directory later runs get and relative paths are resolved against. */
    public String workingDir() {
        return dir;
    }

    /** The user later runs run as; empty for the image's default (root). */
    public String currentUser() {
        return user;
    }

    /** Whether this is the empty file system. */
    public boolean isScratch() {
        return output == null;
    }

    /**
     * The image this state's root file system starts from, following each run's root mount
     * and each file change's base back to the source; empty for scratch or a local source.
     * A client uses it to take the base image's config (environment, entrypoint) for the result.
     */
    public Optional<String> baseImage() {
        PendingOp.Output out = output;
        while (out != null) {
            PendingOp p = out.op();
            if (p.imageRef() != null) {
                return Optional.of(p.imageRef());
            }
            int input = switch (p.op()) {
                case ExecOp e -> e.rootMount().input();
                case FileOp f -> f.base();
                default -> -1;
            };
            out = input < 0 ? null : p.inputs().get(input);
        }
        return Optional.empty();
    }

    /** Runs {@code /bin/sh -c shellCommand} on this file system, as a Dockerfile {@code RUN} does. */
    public State run(String shellCommand, RunOption... options) {
        return run(List.of("/bin/sh", "-c", shellCommand), options);
    }

    /** Runs {@code argv} on this file system; the result is the root file system afterwards. */
    public State run(List<String> argv, RunOption... options) {
        Map<String, String> runEnv = new LinkedHashMap<>(env);
        String runDir = dir;
        String runUser = user;
        ExecOp.NetworkMode network = ExecOp.NetworkMode.DEFAULT;
        String name = null;
        List<PendingOp.Output> inputs = new ArrayList<>();
        List<ExecMount> mounts = new ArrayList<>();
        mounts.add(new ExecMount(inputIndex(inputs, output), "/", 0, false, "", ExecMount.MountType.BIND,
                null, null, null, null));
        for (RunOption o : options) {
            switch (o) {
                case RunOption.Env e -> {
                    runEnv.remove(e.key());
                    runEnv.put(e.key(), e.value());
                }
                case RunOption.Dir d -> runDir = join(runDir, d.path());
                case RunOption.User u -> runUser = u.user();
                case RunOption.Network n -> network = n.mode();
                case RunOption.Name n -> name = n.name();
                case RunOption.BindMount b -> mounts.add(new ExecMount(inputIndex(inputs, b.source().output), b.dest(),
                        -1, b.readonly(), b.selector(), ExecMount.MountType.BIND, null, null, null, null));
                case RunOption.CacheMount c -> mounts.add(new ExecMount(-1, c.dest(), -1, false, "",
                        ExecMount.MountType.CACHE, new ExecMount.CacheOpt(c.id(), ExecMount.CacheOpt.Sharing.SHARED,
                        0755, 0, 0), null, null, null));
                case RunOption.TmpfsMount t -> mounts.add(new ExecMount(-1, t.dest(), -1, false, "",
                        ExecMount.MountType.TMPFS, null, null, null, new ExecMount.TmpfsOpt(0)));
            }
        }
        // mounts in destination order (the root first), so option order does not change the digest
        mounts.sort(Comparator.comparing(ExecMount::dest));
        runEnv.putIfAbsent("PATH", DEFAULT_PATH);
        List<String> envList = runEnv.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        ExecOp op = new ExecOp(new ExecMeta(argv, envList, runDir, runUser, "", null), mounts, network, null);
        String shown = name != null ? name : "RUN " + String.join(" ", argv);
        PendingOp pending = new PendingOp(op, inputs, VertexMeta.named(shown), null);
        return new State(new PendingOp.Output(pending, 0), env, dir, user);
    }

    /** Applies {@code actions} to this file system without running a container. */
    public State file(FileActions actions) {
        if (actions.steps().isEmpty()) {
            throw new IllegalArgumentException("no file actions");
        }
        List<PendingOp.Output> inputs = new ArrayList<>();
        int base = inputIndex(inputs, output);
        List<FileAction> resolved = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (FileActions.Step s : actions.steps()) {
            FileAction a = switch (s.action()) {
                case FileAction.Copy c -> {
                    if (s.from().isScratch()) {
                        throw new IllegalArgumentException("cannot copy " + c.src() + " from an empty file system");
                    }
                    names.add("copy " + c.src() + " " + resolvePath(c.dest()));
                    yield new FileAction.Copy(inputIndex(inputs, s.from().output), c.src(), resolvePath(c.dest()),
                            c.chown(), c.chmod(), c.followSymlinks(), c.dirContentsOnly(), c.createDestPath(),
                            c.allowWildcard(), c.allowEmptyWildcard(), c.includePatterns(), c.excludePatterns(),
                            c.parents(), c.timestamp(), c.unpackArchive());
                }
                case FileAction.Mkdir m -> {
                    names.add("mkdir " + resolvePath(m.path()));
                    yield new FileAction.Mkdir(resolvePath(m.path()), m.mode(), m.makeParents(), m.chown(), m.timestamp());
                }
                case FileAction.Mkfile f -> {
                    names.add("mkfile " + resolvePath(f.path()));
                    yield new FileAction.Mkfile(resolvePath(f.path()), f.mode(), f.data(), f.chown(), f.timestamp());
                }
                case FileAction.Rm r -> {
                    names.add("rm " + resolvePath(r.path()));
                    yield new FileAction.Rm(resolvePath(r.path()), r.allowNotFound(), r.allowWildcard());
                }
                case FileAction.Symlink l -> {
                    names.add("symlink " + resolvePath(l.path()));
                    yield new FileAction.Symlink(resolvePath(l.path()), l.target());
                }
            };
            resolved.add(a);
        }
        PendingOp pending = new PendingOp(new FileOp(base, resolved), inputs,
                VertexMeta.named("FILE " + String.join(", ", names)), null);
        return new State(new PendingOp.Output(pending, 0), env, dir, user);
    }

    /** The definition of this state, image references exactly as given. */
    public Definition marshal() {
        return marshal(UnaryOperator.identity());
    }

    /**
     * The definition of this state, each image reference replaced by {@code pinImage}'s
     * answer (typically {@code REF@sha256:…}, so the worker takes exactly that image and the
     * cache key changes when the tag moves).
     */
    public Definition marshal(UnaryOperator<String> pinImage) {
        DefinitionBuilder b = new DefinitionBuilder();
        Optional<Edge> root = output == null ? Optional.empty()
                : Optional.of(add(b, output, pinImage, new IdentityHashMap<>()));
        return b.build(root);
    }

    private static Edge add(DefinitionBuilder b, PendingOp.Output out, UnaryOperator<String> pin,
                            Map<PendingOp, Edge> done) {
        Edge first = done.get(out.op());
        if (first == null) {
            List<Edge> inputs = new ArrayList<>();
            for (PendingOp.Output in : out.op().inputs()) {
                inputs.add(add(b, in, pin, done));
            }
            PendingOp p = out.op();
            if (p.imageRef() != null) {
                String pinned = Objects.requireNonNull(pin.apply(p.imageRef()), "pinned reference");
                first = b.add(SourceOp.of(IMAGE_SCHEME + pinned), inputs, p.meta());
            } else {
                first = b.add(p.op(), inputs, p.meta());
            }
            done.put(out.op(), first);
        }
        return new Edge(first.vertex(), out.index());
    }

    /** Index of {@code out} among {@code inputs}, added if new; -1 for the empty file system. */
    private static int inputIndex(List<PendingOp.Output> inputs, PendingOp.Output out) {
        if (out == null) {
            return -1;
        }
        int i = inputs.indexOf(out);
        if (i >= 0) {
            return i;
        }
        inputs.add(out);
        return inputs.size() - 1;
    }

    /** {@code path} made absolute against this state's working directory. */
    String resolvePath(String path) {
        return join(dir, path);
    }

    private static String join(String base, String path) {
        Objects.requireNonNull(path, "path");
        if (path.startsWith("/")) {
            return path;
        }
        return base.endsWith("/") ? base + path : base + "/" + path;
    }
}
