package dev.kiln.llb.dsl;

import dev.kiln.common.Platform;
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
 * chains and equal resolver answers give equal definitions with equal digests.
 *
 * <p>A state made by {@link #image(String)} starts its process defaults from the image's
 * config, which is only known once an {@link ImageMetaResolver} looks the image up:
 * {@link #marshal(ImageMetaResolver, Platform)} pins every image reference to its digest and
 * gives each run the image's environment ({@code PATH} included), working directory and user,
 * with what the chain set on top. Runs, relative paths and the accessors are therefore
 * evaluated at marshal time; {@link #marshal()} applies no image config, as the Go package
 * does without a meta resolver.
 */
public final class State {
    /** The PATH a run gets when neither the state nor its image sets one, as BuildKit's {@code llb} package adds. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static final String IMAGE_SCHEME = "docker-image://";

    private final PendingOp.Output output;
    private final LazyDefaults defaults;

    private State(PendingOp.Output output, LazyDefaults defaults) {
        this.output = output;
        this.defaults = defaults;
    }

    /** An empty file system ({@code FROM scratch}). */
    public static State scratch() {
        return new State(null, LazyDefaults.NONE);
    }

    /**
     * The root file system of image {@code reference} ({@code busybox:latest},
     * {@code registry:5000/app@sha256:…}), its process defaults taken from the image's config
     * when the chain is marshalled with a resolver (see the class comment); {@link #withConfig}
     * replaces them with given ones.
     */
    public static State image(String reference) {
        checkReference(reference);
        PendingOp op = new PendingOp(ctx -> new PendingOp.Built(SourceOp.of(IMAGE_SCHEME + ctx.pin(reference)),
                VertexMeta.named(IMAGE_SCHEME + reference)), List.of(), reference, -1);
        return new State(new PendingOp.Output(op, 0), LazyDefaults.ofImage(reference));
    }

    /**
     * The root file system of image {@code reference} resolved now by {@code resolver} for the
     * host platform ({@code llb.Image(ref, llb.WithMetaResolver(r))}): the source names the
     * pinned reference and the process defaults are the image config's.
     */
    public static State image(String reference, ImageMetaResolver resolver) {
        checkReference(reference);
        ImageMetaResolver.Resolved r = Objects.requireNonNull(resolver.resolveImage(reference, Platform.host()),
                "resolved image");
        PendingOp.Built built = new PendingOp.Built(SourceOp.of(IMAGE_SCHEME + r.reference()),
                VertexMeta.named(IMAGE_SCHEME + reference));
        PendingOp op = new PendingOp(ctx -> built, List.of(), r.reference(), -1);
        return new State(new PendingOp.Output(op, 0), LazyDefaults.of(r.config()));
    }

    private static void checkReference(String reference) {
        Objects.requireNonNull(reference, "reference");
        if (reference.isBlank() || reference.contains("://")) {
            throw new IllegalArgumentException("not an image reference: \"" + reference + "\"");
        }
    }

    /** Files the client offers under {@code name}; the build context is {@code context}. */
    public static State local(String name) {
        Objects.requireNonNull(name, "name");
        PendingOp op = PendingOp.fixed(SourceOp.of("local://" + name), List.of(), VertexMeta.named("local://" + name), -1);
        return new State(new PendingOp.Output(op, 0), LazyDefaults.NONE);
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
            return new State(null, first.defaults);
        }
        PendingOp op = PendingOp.fixed(new MergeOp(inputs.size()), inputs, VertexMeta.named("merge"), -1);
        return new State(new PendingOp.Output(op, 0), first.defaults);
    }

    /**
     * What {@code upper} changed relative to {@code lower}, as a file system of its own
     * ({@code llb.Diff}): stacked on another state with {@link #merge}, it adds and replaces
     * what {@code upper} added and replaced and deletes what it deleted. Process defaults are
     * {@code upper}'s.
     */
    public static State diff(State lower, State upper) {
        List<PendingOp.Output> inputs = new ArrayList<>();
        int l = inputIndex(inputs, lower.output);
        int u = inputIndex(inputs, upper.output);
        PendingOp op = PendingOp.fixed(new DiffOp(l, u), inputs, VertexMeta.named("diff"), -1);
        return new State(new PendingOp.Output(op, 0), upper.defaults);
    }

    /** This state with environment variable {@code key} set for later runs. */
    public State env(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return new State(output, defaults.withEnv(key, value));
    }

    /** This state with working directory {@code path} (relative: against the current one). */
    public State dir(String path) {
        return new State(output, defaults.withDir(Objects.requireNonNull(path, "path")));
    }

    /** This state with later runs as {@code user} ({@code name|uid[:group|gid]}). */
    public State user(String user) {
        return new State(output, defaults.withUser(Objects.requireNonNull(user, "user")));
    }

    /**
     * This state with process defaults {@code config} instead of what it had (for an image
     * state: instead of the image's config), as when the caller already holds the image config.
     */
    public State withConfig(ProcessDefaults config) {
        return new State(output, LazyDefaults.of(Objects.requireNonNull(config, "config")));
    }

    /** The environment set on this state, in the order variables were first set (without an image's config). */
    public Map<String, String> environment() {
        return unresolved().env();
    }

    /** The working directory set on this state (without an image's config; {@code /} when none). */
    public String workingDir() {
        return unresolved().workingDir();
    }

    /** The user set on this state; empty for the default (root) (without an image's config). */
    public String currentUser() {
        return unresolved().user();
    }

    /** The process defaults later runs get, image configs looked up with {@code resolver} for {@code platform}. */
    public ProcessDefaults defaults(ImageMetaResolver resolver, Platform platform) {
        return MarshalContext.resolvingWith(resolver, platform).resolve(defaults);
    }

    private ProcessDefaults unresolved() {
        return MarshalContext.pinningWith(UnaryOperator.identity()).resolve(defaults);
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
            out = p.rootInput() < 0 ? null : p.inputs().get(p.rootInput());
        }
        return Optional.empty();
    }

    /** Runs {@code /bin/sh -c shellCommand} on this file system, as a Dockerfile {@code RUN} does. */
    public State run(String shellCommand, RunOption... options) {
        return run(List.of("/bin/sh", "-c", shellCommand), options);
    }

    /** Runs {@code argv} on this file system; the result is the root file system afterwards. */
    public State run(List<String> argv, RunOption... options) {
        List<String> args = List.copyOf(argv);
        List<RunOption> opts = List.of(options);
        List<PendingOp.Output> inputs = new ArrayList<>();
        int root = inputIndex(inputs, output);
        List<ExecMount> mounts = new ArrayList<>();
        mounts.add(new ExecMount(root, "/", 0, false, "", ExecMount.MountType.BIND, null, null, null, null));
        String name = null;
        ExecOp.NetworkMode network = ExecOp.NetworkMode.DEFAULT;
        for (RunOption o : opts) {
            switch (o) {
                case RunOption.Network n -> network = n.mode();
                case RunOption.Name n -> name = n.name();
                case RunOption.BindMount b -> mounts.add(new ExecMount(inputIndex(inputs, b.source().output), b.dest(),
                        -1, b.readonly(), b.selector(), ExecMount.MountType.BIND, null, null, null, null));
                case RunOption.CacheMount c -> mounts.add(new ExecMount(-1, c.dest(), -1, false, "",
                        ExecMount.MountType.CACHE, new ExecMount.CacheOpt(c.id(), ExecMount.CacheOpt.Sharing.SHARED,
                        0755, 0, 0), null, null, null));
                case RunOption.TmpfsMount t -> mounts.add(new ExecMount(-1, t.dest(), -1, false, "",
                        ExecMount.MountType.TMPFS, null, null, null, new ExecMount.TmpfsOpt(0)));
                default -> { }
            }
        }
        // mounts in destination order (the root first), so option order does not change the digest
        mounts.sort(Comparator.comparing(ExecMount::dest));
        List<ExecMount> allMounts = List.copyOf(mounts);
        ExecOp.NetworkMode net = network;
        VertexMeta meta = VertexMeta.named(name != null ? name : "RUN " + String.join(" ", args));
        LazyDefaults d = defaults;
        PendingOp pending = new PendingOp(ctx -> {
            ProcessDefaults p = ctx.resolve(d);
            Map<String, String> runEnv = new LinkedHashMap<>(p.env());
            String runDir = p.workingDir();
            String runUser = p.user();
            for (RunOption o : opts) {
                switch (o) {
                    case RunOption.Env e -> {
                        runEnv.remove(e.key());
                        runEnv.put(e.key(), e.value());
                    }
                    case RunOption.Dir dir -> runDir = LazyDefaults.join(runDir, dir.path());
                    case RunOption.User u -> runUser = u.user();
                    default -> { }
                }
            }
            runEnv.putIfAbsent("PATH", DEFAULT_PATH);
            List<String> envList = runEnv.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
            return new PendingOp.Built(new ExecOp(new ExecMeta(args, envList, runDir, runUser, "", null), allMounts, net,
                    null), meta);
        }, inputs, null, root);
        return new State(new PendingOp.Output(pending, 0), defaults);
    }

    /** Applies {@code actions} to this file system without running a container. */
    public State file(FileActions actions) {
        if (actions.steps().isEmpty()) {
            throw new IllegalArgumentException("no file actions");
        }
        List<PendingOp.Output> inputs = new ArrayList<>();
        int base = inputIndex(inputs, output);
        List<Integer> sources = new ArrayList<>();
        for (FileActions.Step s : actions.steps()) {
            if (s.action() instanceof FileAction.Copy c && s.from().isScratch()) {
                throw new IllegalArgumentException("cannot copy " + c.src() + " from an empty file system");
            }
            sources.add(s.action() instanceof FileAction.Copy ? inputIndex(inputs, s.from().output) : -1);
        }
        List<FileActions.Step> steps = actions.steps();
        LazyDefaults d = defaults;
        PendingOp pending = new PendingOp(ctx -> fileOp(ctx, base, steps, sources, ctx.resolve(d).workingDir()),
                inputs, null, base);
        return new State(new PendingOp.Output(pending, 0), defaults);
    }

    private static PendingOp.Built fileOp(MarshalContext ctx, int base, List<FileActions.Step> steps, List<Integer> sources,
                                          String dir) {
        List<FileAction> resolved = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            FileActions.Step s = steps.get(i);
            FileAction a = switch (s.action()) {
                case FileAction.Copy c -> {
                    String src = LazyDefaults.join(ctx.resolve(s.from().defaults).workingDir(), c.src());
                    String dest = LazyDefaults.join(dir, c.dest());
                    names.add("copy " + src + " " + dest);
                    yield new FileAction.Copy(sources.get(i), src, dest, c.chown(), c.chmod(), c.followSymlinks(),
                            c.dirContentsOnly(), c.createDestPath(), c.allowWildcard(), c.allowEmptyWildcard(),
                            c.includePatterns(), c.excludePatterns(), c.parents(), c.timestamp(), c.unpackArchive());
                }
                case FileAction.Mkdir m -> {
                    String path = LazyDefaults.join(dir, m.path());
                    names.add("mkdir " + path);
                    yield new FileAction.Mkdir(path, m.mode(), m.makeParents(), m.chown(), m.timestamp());
                }
                case FileAction.Mkfile f -> {
                    String path = LazyDefaults.join(dir, f.path());
                    names.add("mkfile " + path);
                    yield new FileAction.Mkfile(path, f.mode(), f.data(), f.chown(), f.timestamp());
                }
                case FileAction.Rm r -> {
                    String path = LazyDefaults.join(dir, r.path());
                    names.add("rm " + path);
                    yield new FileAction.Rm(path, r.allowNotFound(), r.allowWildcard());
                }
                case FileAction.Symlink l -> {
                    String path = LazyDefaults.join(dir, l.path());
                    names.add("symlink " + path);
                    yield new FileAction.Symlink(path, l.target());
                }
            };
            resolved.add(a);
        }
        return new PendingOp.Built(new FileOp(base, resolved), VertexMeta.named("FILE " + String.join(", ", names)));
    }

    /** The definition of this state, image references exactly as given and no image config applied. */
    public Definition marshal() {
        return marshal(UnaryOperator.identity());
    }

    /**
     * The definition of this state, each image reference replaced by {@code pinImage}'s
     * answer (typically {@code REF@sha256:…}, so the worker takes exactly that image and the
     * cache key changes when the tag moves); no image config applied.
     */
    public Definition marshal(UnaryOperator<String> pinImage) {
        return marshal(MarshalContext.pinningWith(pinImage));
    }

    /**
     * The definition of this state with every image reference that has no digest pinned by
     * {@code resolver} (for {@code platform}), and each state made by {@link #image(String)}
     * given the process defaults of its image's config, as the Go package does with a meta
     * resolver. Each reference is looked up once per call.
     */
    public Definition marshal(ImageMetaResolver resolver, Platform platform) {
        return marshal(MarshalContext.resolvingWith(resolver, platform));
    }

    private Definition marshal(MarshalContext ctx) {
        DefinitionBuilder b = new DefinitionBuilder();
        Optional<Edge> root = output == null ? Optional.empty()
                : Optional.of(add(b, output, ctx, new IdentityHashMap<>()));
        return b.build(root);
    }

    private static Edge add(DefinitionBuilder b, PendingOp.Output out, MarshalContext ctx, Map<PendingOp, Edge> done) {
        Edge first = done.get(out.op());
        if (first == null) {
            List<Edge> inputs = new ArrayList<>();
            for (PendingOp.Output in : out.op().inputs()) {
                inputs.add(add(b, in, ctx, done));
            }
            PendingOp.Built built = out.op().build().apply(ctx);
            first = b.add(built.op(), inputs, built.meta());
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
}
