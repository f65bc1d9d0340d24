package dev.kiln.dockerfile.convert;

import dev.kiln.common.Platform;
import dev.kiln.common.SourceException;
import dev.kiln.dockerfile.instructions.AddInstruction;
import dev.kiln.dockerfile.instructions.ArgInstruction;
import dev.kiln.dockerfile.instructions.CmdInstruction;
import dev.kiln.dockerfile.instructions.CopyInstruction;
import dev.kiln.dockerfile.instructions.EntrypointInstruction;
import dev.kiln.dockerfile.instructions.EnvInstruction;
import dev.kiln.dockerfile.instructions.ExposeInstruction;
import dev.kiln.dockerfile.instructions.HealthcheckInstruction;
import dev.kiln.dockerfile.instructions.Instruction;
import dev.kiln.dockerfile.instructions.KeyValue;
import dev.kiln.dockerfile.instructions.LabelInstruction;
import dev.kiln.dockerfile.instructions.MaintainerInstruction;
import dev.kiln.dockerfile.instructions.OnbuildInstruction;
import dev.kiln.dockerfile.instructions.RunInstruction;
import dev.kiln.dockerfile.instructions.ShellInstruction;
import dev.kiln.dockerfile.instructions.ShellWordExpander;
import dev.kiln.dockerfile.instructions.Stage;
import dev.kiln.dockerfile.instructions.StopSignalInstruction;
import dev.kiln.dockerfile.instructions.UserInstruction;
import dev.kiln.dockerfile.instructions.VolumeInstruction;
import dev.kiln.dockerfile.instructions.WorkdirInstruction;
import dev.kiln.dockerfile.shell.Env;
import dev.kiln.dockerfile.shell.ExpansionResult;
import dev.kiln.llb.Edge;
import dev.kiln.llb.FileAction;
import dev.kiln.llb.FileOp;
import dev.kiln.llb.SourceOp;
import dev.kiln.llb.VertexMeta;
import dev.kiln.oci.image.ContainerConfig;
import dev.kiln.oci.image.ImageConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Converts one stage: resolves its FROM, then each instruction in order, changing the
 * stage's file system (RUN, COPY, ADD, WORKDIR make LLB vertices) or its image config (the
 * rest). Records one history entry per instruction that the image keeps.
 */
final class StageConverter {
    static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
    /** The PATH BuildKit puts into an image whose base sets none (scratch, most minimal images). */
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    final DockerfileConverter conv;
    final Stage stage;
    StageState state;
    Platform platform;
    /** The base's ONBUILD triggers, run after the base's config is in place and before the stage's own instructions. */
    private List<String> pendingTriggers;
    private String pendingTriggersOrigin;
    /** The expanders the instruction being dispatched used, for UndefinedVar. */
    private final List<ShellWordExpander> expanders = new ArrayList<>();

    StageConverter(DockerfileConverter conv, Stage stage) {
        this.conv = conv;
        this.stage = stage;
    }

    StageState convert() {
        from();
        if (!state.config().envMap().containsKey("PATH") && platform.os().equals("linux")) {
            state.config(state.config().withEnvVar("PATH", DEFAULT_PATH));
            state.env.put("PATH", DEFAULT_PATH);
        }
        if (pendingTriggers != null) {
            runTriggers(pendingTriggersOrigin, pendingTriggers);
        }
        for (Instruction i : stage.commands()) {
            dispatch(i);
        }
        return state;
    }

    /** Expands a FROM word with the meta args; names used but not declared are UndefinedArgInFrom. */
    private String expandMeta(String word) {
        Map<String, String> env = new LinkedHashMap<>(conv.predefinedArgs);
        conv.metaArgs.forEach((k, v) -> {
            if (v != null) {
                env.put(k, v);
            }
        });
        try {
            ExpansionResult r = conv.lex.process(word, Env.of(env));
            java.util.Set<String> known = new java.util.TreeSet<>(conv.metaArgs.keySet());
            known.addAll(conv.predefinedArgs.keySet());
            for (String name : r.unmatched()) {
                if (!conv.metaArgs.containsKey(name)) {
                    conv.checks.add("UndefinedArgInFrom", "FROM argument '" + name + "' is not declared"
                            + BuildChecks.hint(name, known, ""), stage.location());
                }
            }
            return r.result();
        } catch (RuntimeException e) {
            throw new SourceException(stage.location(), e.getMessage(), stage.original(), e);
        }
    }

    /** InvalidDefaultArgInFrom: the base name built from the meta args' defaults alone must be an image. */
    private void checkDefaultBase() {
        if (!stage.baseName().contains("$")) {
            return;
        }
        Map<String, String> env = new LinkedHashMap<>(conv.predefinedArgs);
        conv.metaDefaults.forEach((k, v) -> {
            if (v != null) {
                env.put(k, v);
            }
        });
        String expanded;
        try {
            expanded = conv.lex.processWord(stage.baseName(), Env.of(env));
        } catch (RuntimeException e) {
            expanded = "";
        }
        String name = expanded;
        boolean stageName = conv.model.stages().stream().anyMatch(s -> s.matches(name));
        if (!stageName && !IMAGE_NAME.matcher(name).matches()) {
            conv.checks.add("InvalidDefaultArgInFrom", "Default value for ARG " + stage.baseName()
                    + " results in empty or invalid base image name", stage.location());
        }
    }

    /** Docker's reference grammar, loosely: [host[:port]/]path[:tag][@digest], lowercase path. */
    private static final java.util.regex.Pattern IMAGE_NAME = java.util.regex.Pattern.compile(
            "(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
            + "(?::[\\w][\\w.-]{0,127})?(?:@[a-z0-9]+:[a-fA-F0-9]{32,})?");

    /** The checks of the FROM line alone, run for every stage (built or not), as BuildKit lints them all. */
    void checkFrom() {
        checkDefaultBase();
        try {
            expandMeta(stage.baseName());
            if (stage.platformFlag() != null) {
                expandMeta(stage.platformFlag());
            }
        } catch (SourceException e) {
            // reported as an error when (if) the stage is built
        }
    }

    private void from() {
        checkDefaultBase();
        String base = expandMeta(stage.baseName());
        platform = stage.platformFlag() == null ? conv.request.platform() : Platform.parse(expandMeta(stage.platformFlag()));
        String label = conv.stageLabel(stage);
        int total = DockerfileConverter.countSteps(stage);
        if (base.isEmpty()) {
            throw new SourceException(stage.location(), "base name (" + stage.baseName() + ") should not be blank", stage.original());
        }
        Optional<Stage> parent = conv.request.namedContexts().containsKey(base) ? Optional.empty()
                : conv.stageBefore(base, stage.index());
        if (parent.isPresent()) {
            StageState p = conv.stage(parent.get());
            state = new StageState(p.fs, p.image.withConfig(p.image.config().withOnBuild(null)), label, total);
            state.workdirSet = p.workdirSet;
            state.args.putAll(p.args); // a stage inherits the build args its base stage declared, as in BuildKit
            state.env.putAll(p.env);
            pendingTriggersOrigin = "ONBUILD of stage " + base;
            pendingTriggers = p.image.config().onBuild();
        } else if (base.equalsIgnoreCase("scratch") && !conv.request.namedContexts().containsKey(base)) {
            state = new StageState(Optional.empty(), ImageConfig.scratch(platform), label, total);
            state.env.putAll(state.config().envMap());
        } else {
            ImageMetaResolver.BaseImage img;
            try {
                img = conv.request.namedContexts().containsKey(base)
                        ? conv.resolver.resolveNamedContext(base, conv.request.namedContexts().get(base), platform)
                        : conv.resolver.resolveImage(base, platform);
            } catch (SourceException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new SourceException(stage.location(), e.getMessage(), stage.original(), e);
            }
            Edge fs = conv.builder.add(new SourceOp(img.sourceIdentifier(), Map.of(SourceOp.ATTR_PLATFORM, platform.toString())),
                    List.of(), meta(new StageState(Optional.empty(), img.config(), label, total).stepName(1, "FROM " + base), false));
            ImageConfig cfg = img.config();
            state = new StageState(img.config().rootfs().diffIds().isEmpty() ? Optional.empty() : Optional.of(fs),
                    cfg.withConfig(cfg.config().withOnBuild(null)), label, total);
            state.env.putAll(cfg.config().envMap());
            pendingTriggersOrigin = "ONBUILD of " + base;
            pendingTriggers = cfg.config().onBuild();
        }
    }

    /**
     * Runs a base's ONBUILD triggers first, as BuildKit does both for an image and for an
     * earlier stage used as base (the child's config then has no ONBUILD of its own yet).
     */
    private void runTriggers(String origin, List<String> onBuild) {
        if (onBuild == null || onBuild.isEmpty()) {
            return;
        }
        List<Instruction> triggers = dev.kiln.dockerfile.instructions.InstructionParser.parseTriggers(origin, onBuild);
        state.totalSteps += (int) triggers.stream().filter(t -> t instanceof RunInstruction
                || t instanceof CopyInstruction || t instanceof AddInstruction || t instanceof WorkdirInstruction).count();
        for (Instruction trigger : triggers) {
            dispatch(trigger);
        }
    }

    VertexMeta meta(String name, boolean ignoreCache) {
        return new VertexMeta(name, ignoreCache, Map.of("location", stage.location().file() + ":" + stage.location().line()));
    }

    VertexMeta meta(Instruction i) {
        return new VertexMeta(state.nextStepName(oneLine(i.original())), conv.noCacheFor(stage),
                Map.of("location", i.location().file() + ":" + i.location().line()));
    }

    /**
     * The merge vertex of a {@code COPY --link} or {@code ADD --link}: part of the step the copy
     * just took (no new step number), named {@code LINK ...} as BuildKit names it.
     */
    VertexMeta linkMeta(Instruction i) {
        return new VertexMeta(state.stepName(state.step, "LINK " + oneLine(i.original())), conv.noCacheFor(stage),
                Map.of("location", i.location().file() + ":" + i.location().line()));
    }

    static String oneLine(String s) {
        String first = s.strip();
        int nl = first.indexOf('\n');
        return nl < 0 ? first : first.substring(0, nl) + " ...";
    }

    /** An expander over the current ARG/ENV values; what it finds undefined is reported (UndefinedVar). */
    ShellWordExpander expander() {
        ShellWordExpander e = new ShellWordExpander(conv.lex, Env.of(state.expansionEnv()));
        expanders.add(e);
        return e;
    }

    /** Expands unquoted heredoc sources of COPY/ADD as BuildKit does (quotes are plain text). */
    ShellWordExpander heredocExpander() {
        return ShellWordExpander.forHeredocContent(Env.of(state.expansionEnv()));
    }

    void history(String createdBy, boolean layer) {
        ImageConfig.History h = ImageConfig.History.of(conv.request.created(), createdBy, !layer);
        state.image = state.image.withHistory(append(state.image.history(), h));
    }

    private static <T> List<T> append(List<T> list, T item) {
        List<T> out = new ArrayList<>(list);
        out.add(item);
        return out;
    }

    private void dispatch(Instruction i) {
        expanders.clear();
        apply(i);
        java.util.Set<String> undefined = new java.util.LinkedHashSet<>();
        for (ShellWordExpander e : expanders) {
            undefined.addAll(e.undefined());
        }
        undefined.removeAll(state.args.keySet());
        undefined.removeAll(state.env.keySet());
        conv.checks.undefinedVars(undefined, state.expansionEnv().keySet(), i.location());
    }

    private void apply(Instruction i) {
        switch (i) {
            case RunInstruction r -> new RunStep(this).convert(r.expand(expander()));
            case CopyInstruction c -> new CopyStep(this).copy(c);
            case AddInstruction a -> new CopyStep(this).add(a);
            case WorkdirInstruction w -> workdir(w.expand(expander()));
            case EnvInstruction e -> env(e.expand(expander()));
            case ArgInstruction a -> arg(a);
            case LabelInstruction l -> {
                LabelInstruction x = l.expand(expander());
                ContainerConfig c = state.config();
                for (KeyValue kv : x.labels()) {
                    c = c.withLabel(kv.key(), kv.value());
                }
                state.config(c);
                history("LABEL " + x.labels().stream().map(kv -> kv.key() + "=" + kv.value()).collect(Collectors.joining(" ")), false);
            }
            case UserInstruction u -> {
                UserInstruction x = u.expand(expander());
                state.config(state.config().withUser(x.user()));
                history("USER " + x.user(), false);
            }
            case ExposeInstruction e -> expose(e.expand(expander()));
            case CmdInstruction c -> {
                List<String> cmd = c.shellForm() && !c.command().isEmpty() ? withShell(c.command().getFirst()) : c.command();
                state.config(state.config().withCmd(cmd).withArgsEscaped(Boolean.TRUE)); // BuildKit sets it for every CMD
                state.cmdSetInStage = true;
                history("CMD " + jsonArray(cmd), false);
            }
            case EntrypointInstruction e -> {
                List<String> ep = e.shellForm() && !e.command().isEmpty() ? withShell(e.command().getFirst()) : e.command();
                ContainerConfig c = state.config().withEntrypoint(ep);
                if (!state.cmdSetInStage) {
                    c = c.withCmd(null);
                }
                state.config(c);
                history("ENTRYPOINT " + jsonArray(ep), false);
            }
            case ShellInstruction s -> {
                state.config(state.config().withShell(s.shell()));
                history("SHELL " + jsonArray(s.shell()), false);
            }
            case VolumeInstruction v -> {
                VolumeInstruction x = v.expand(expander());
                ContainerConfig c = state.config();
                for (String vol : x.volumes()) {
                    if (vol.isBlank()) {
                        throw new SourceException(v.location(), "VOLUME specified can not be an empty string", v.original());
                    }
                    c = c.withVolume(vol);
                }
                state.config(c);
                history("VOLUME " + x.volumes(), false);
            }
            case StopSignalInstruction s -> {
                StopSignalInstruction x = s.expand(expander());
                state.config(state.config().withStopSignal(x.signal()));
                history("STOPSIGNAL " + x.signal(), false);
            }
            case HealthcheckInstruction h -> {
                state.config(state.config().withHealthcheck(new ContainerConfig.Healthcheck(h.test(),
                        h.interval().toNanos(), h.timeout().toNanos(), h.startPeriod().toNanos(),
                        h.startInterval().toNanos(), h.retries())));
                history("HEALTHCHECK " + (h.disabled() ? "NONE" : jsonArray(h.test())), false);
            }
            case OnbuildInstruction o -> {
                List<String> triggers = new ArrayList<>(state.config().onBuild());
                triggers.add(o.expression());
                state.config(state.config().withOnBuild(triggers)); // BuildKit records no history for ONBUILD
            }
            case MaintainerInstruction m -> {
                state.image = state.image.withAuthor(m.maintainer());
                history("MAINTAINER " + m.maintainer(), false);
            }
        }
    }

    List<String> withShell(String command) {
        List<String> shell = state.config().shell().isEmpty() ? DEFAULT_SHELL : state.config().shell();
        List<String> out = new ArrayList<>(shell);
        out.add(command);
        return out;
    }

    static String jsonArray(List<String> words) {
        return words.stream().map(w -> "\"" + w.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(" ", "[", "]"));
    }

    private void workdir(WorkdirInstruction w) {
        if (!w.path().startsWith("/") && !state.workdirSet) {
            conv.checks.add("WorkdirRelativePath", "Relative workdir \"" + w.path()
                    + "\" can have unexpected results if the base image changes", w.location());
        }
        state.workdirSet = true;
        String path = resolvePath(w.path());
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        state.config(state.config().withWorkingDir(path));
        if (path.equals("/")) {
            history("WORKDIR /", false);
            return;
        }
        String user = state.config().user();
        FileAction.Chown chown = user == null || user.isEmpty() ? null : chown(user);
        FileOp op = new FileOp(state.fs.isPresent() ? 0 : -1,
                List.of(new FileAction.Mkdir(path, 0755, true, chown, null)));
        state.fs = Optional.of(conv.builder.add(op, state.fs.map(List::of).orElse(List.of()), meta(w)));
        history("WORKDIR " + path, true);
    }

    static FileAction.Chown chown(String spec) {
        int colon = spec.indexOf(':');
        return colon < 0 ? new FileAction.Chown(spec, null)
                : new FileAction.Chown(spec.substring(0, colon), spec.substring(colon + 1));
    }

    /** An absolute path: relative ones are taken from the WORKDIR; a trailing slash is kept. */
    String resolvePath(String p) {
        if (p.startsWith("/")) {
            return p;
        }
        String wd = state.workingDir();
        String joined = (wd.endsWith("/") ? wd : wd + "/") + p;
        boolean dir = p.endsWith("/") || p.equals(".") || p.endsWith("/.");
        String clean = java.nio.file.Path.of(joined).normalize().toString();
        return dir && !clean.endsWith("/") ? clean + "/" : clean;
    }

    private void env(EnvInstruction e) {
        ContainerConfig c = state.config();
        for (KeyValue kv : e.env()) {
            c = c.withEnvVar(kv.key(), kv.value());
            state.env.put(kv.key(), kv.value());
            conv.checks.secretName("ENV", kv.key(), e.location());
        }
        state.config(c);
        history("ENV " + e.env().stream().map(kv -> kv.key() + "=" + kv.value()).collect(Collectors.joining(" ")), false);
    }

    private void arg(ArgInstruction a) {
        for (ArgInstruction.Arg raw : a.args()) {
            ArgInstruction.Arg x = new ArgInstruction(List.of(raw), a.location(), a.original()).expand(expander()).args().getFirst();
            String value;
            if (conv.request.buildArgs().containsKey(x.name())) {
                value = conv.request.buildArgs().get(x.name());
            } else if (x.hasDefault()) {
                value = x.defaultValue();
            } else if (conv.metaArgs.containsKey(x.name())) {
                value = conv.metaArgs.get(x.name());
            } else {
                value = conv.predefinedArgs.get(x.name());
            }
            state.args.put(x.name(), value);
            if (value != null) {
                state.env.put(x.name(), value);
            }
            conv.checks.secretName("ARG", x.name(), a.location());
        }
    }

    private void expose(ExposeInstruction e) {
        ContainerConfig c = state.config();
        List<String> added = new ArrayList<>();
        for (String p : e.ports()) {
            if (p.contains(":")) {
                conv.checks.add("ExposeInvalidFormat", "EXPOSE instruction should not define an IP address or host-port mapping, found '"
                        + p + "'", e.location());
            }
            int slash = p.indexOf('/');
            if (slash >= 0 && !p.substring(slash + 1).equals(p.substring(slash + 1).toLowerCase(java.util.Locale.ROOT))) {
                conv.checks.add("ExposeProtoCasing", "Defined protocol '" + p.substring(slash + 1)
                        + "' in EXPOSE instruction should be lowercase", e.location());
            }
            for (String port : ExposedPorts.expand(p, e)) {
                c = c.withExposedPort(port);
                added.add(port);
            }
        }
        state.config(c);
        history("EXPOSE map[" + added.stream().map(p -> p + ":{}").collect(Collectors.joining(" ")) + "]", false);
    }
}
