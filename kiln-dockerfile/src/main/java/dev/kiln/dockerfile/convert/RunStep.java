package dev.kiln.dockerfile.convert;

import dev.kiln.common.SourceException;
import dev.kiln.dockerfile.instructions.RunInstruction;
import dev.kiln.dockerfile.instructions.RunMount;
import dev.kiln.dockerfile.parser.Heredoc;
import dev.kiln.llb.Edge;
import dev.kiln.llb.ExecMeta;
import dev.kiln.llb.ExecMount;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.FileAction;
import dev.kiln.llb.FileOp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * RUN: an exec op over the stage's file system with the stage's ENV (plus declared build
 * args), WORKDIR and USER, and the {@code --mount}s, {@code --network} and
 * {@code --security} of the line. Heredocs: a line that is only a heredoc runs its content
 * as the script (through its {@code #!} interpreter when it has one); otherwise the shell
 * gets the line and the heredoc bodies, as it would in a script.
 */
final class RunStep {
    private final StageConverter sc;

    RunStep(StageConverter sc) {
        this.sc = sc;
    }

    void convert(RunInstruction r) {
        StageState st = sc.state;
        List<Edge> inputs = new ArrayList<>();
        List<ExecMount> mounts = new ArrayList<>();
        st.fs.ifPresent(inputs::add);
        mounts.add(new ExecMount(st.fs.isPresent() ? 0 : -1, "/", 0, false, "", ExecMount.MountType.BIND,
                null, null, null, null));
        List<String> args = command(r, inputs, mounts);
        for (RunMount m : r.mounts()) {
            mounts.add(mount(r, m, inputs));
        }
        ExecOp op = new ExecOp(new ExecMeta(args, st.runEnv(), st.workingDir(), st.config().user(), "", null),
                mounts, switch (r.network()) {
                    case NONE -> ExecOp.NetworkMode.NONE;
                    case HOST -> ExecOp.NetworkMode.HOST;
                    case DEFAULT -> ExecOp.NetworkMode.DEFAULT;
                }, r.security() == dev.kiln.dockerfile.instructions.SecurityMode.INSECURE
                        ? ExecOp.SecurityMode.INSECURE : ExecOp.SecurityMode.SANDBOX);
        st.fs = Optional.of(sc.conv.builder.add(op, inputs, withProxyEnv(sc.meta(r))));
        sc.history("RUN " + argsPrefix(st) + String.join(" ", args) + " # buildkit", true);
    }

    /** BuildKit's history prefix for the build args in scope: {@code |2 A=1 B=2 }, empty without any. */
    private static String argsPrefix(StageState st) {
        if (st.args.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("|").append(st.args.size());
        st.args.forEach((k, v) -> b.append(' ').append(k).append('=')
                .append(st.env.containsKey(k) ? st.env.get(k) : v == null ? "" : v));
        return b.append(' ').toString();
    }

    /**
     * The proxy build args (HTTP_PROXY, no_proxy…) apply to every RUN without an ARG; they travel
     * in the vertex description, which the worker adds to the environment, so that they are in
     * neither the cache key nor the history (BuildKit's ProxyEnv). A declared ARG of the same
     * name is an ordinary build arg instead.
     */
    private dev.kiln.llb.VertexMeta withProxyEnv(dev.kiln.llb.VertexMeta meta) {
        java.util.Map<String, String> d = new java.util.TreeMap<>(meta.description());
        for (String name : DockerfileConverter.PROXY_ARGS) {
            String value = sc.conv.request.buildArgs().get(name);
            if (value != null && !sc.state.args.containsKey(name)) {
                d.put("proxy.env." + name, value);
            }
        }
        return d.size() == meta.description().size() ? meta : new dev.kiln.llb.VertexMeta(meta.name(), meta.ignoreCache(), d);
    }

    private List<String> command(RunInstruction r, List<Edge> inputs, List<ExecMount> mounts) {
        if (!r.shellForm()) {
            return r.command();
        }
        String line = r.command().getFirst();
        if (r.heredocs().isEmpty()) {
            return sc.withShell(line);
        }
        if (r.heredocs().size() == 1 && isOnlyHeredoc(line, r.heredocs().getFirst())) {
            Heredoc h = r.heredocs().getFirst();
            String script = h.chompedContent();
            if (script.startsWith("#!")) {
                String path = "/dev/pipes/" + h.name();
                FileOp file = new FileOp(-1, List.of(new FileAction.Mkfile("/" + h.name(), 0755,
                        script.getBytes(StandardCharsets.UTF_8), null, null)));
                Edge scriptDir = sc.conv.builder.add(file, List.of(), dev.kiln.llb.VertexMeta.named("[internal] heredoc " + h.name()));
                inputs.add(scriptDir);
                mounts.add(new ExecMount(inputs.size() - 1, "/dev/pipes", -1, true, "", ExecMount.MountType.BIND,
                        null, null, null, null));
                return List.of(path);
            }
            return sc.withShell(script);
        }
        StringBuilder script = new StringBuilder(line);
        for (Heredoc h : r.heredocs()) {
            script.append('\n').append(h.content());
            if (!h.content().isEmpty() && !h.content().endsWith("\n")) {
                script.append('\n');
            }
            script.append(h.name());
        }
        return sc.withShell(script.toString());
    }

    private static boolean isOnlyHeredoc(String line, Heredoc h) {
        String t = line.strip();
        return t.matches("<<-?[\"']?" + java.util.regex.Pattern.quote(h.name()) + "[\"']?");
    }

    private ExecMount mount(RunInstruction r, RunMount m, List<Edge> inputs) {
        String target = m.target() == null ? null : sc.resolvePath(m.target());
        switch (m.type()) {
            case CACHE -> {
                String id = m.id() != null ? m.id() : target;
                ExecMount.CacheOpt.Sharing sharing = m.sharing() == null ? ExecMount.CacheOpt.Sharing.SHARED
                        : ExecMount.CacheOpt.Sharing.valueOf(m.sharing().name());
                int seedInput = -1;
                if (m.from() != null && !m.from().isEmpty()) {
                    inputs.add(sc.conv.stageOrContext(sc, m.from(), r.location(), r.original()));
                    seedInput = inputs.size() - 1;
                }
                return new ExecMount(seedInput, target, -1, m.readOnly(), seedInput < 0 || m.source() == null ? ""
                        : m.source(), ExecMount.MountType.CACHE,
                        new ExecMount.CacheOpt(id, sharing, m.mode() == null ? 0755 : m.mode(),
                                m.uid() == null ? 0 : m.uid().intValue(), m.gid() == null ? 0 : m.gid().intValue()),
                        null, null, null);
            }
            case TMPFS -> {
                return new ExecMount(-1, target, -1, false, "", ExecMount.MountType.TMPFS, null, null, null,
                        new ExecMount.TmpfsOpt(m.sizeLimit()));
            }
            case BIND -> {
                Edge from = sc.conv.stageOrContext(sc, m.from(), r.location(), r.original());
                inputs.add(from);
                String source = m.source() == null ? "" : m.source();
                return new ExecMount(inputs.size() - 1, target, -1, m.readOnly(), source, ExecMount.MountType.BIND,
                        null, null, null, null);
            }
            case SECRET -> {
                String id = m.id() != null ? m.id() : m.target() == null ? null
                        : m.target().substring(m.target().lastIndexOf('/') + 1);
                if (id == null) {
                    throw new SourceException(r.location(), "secret mount needs an id or a target", r.original());
                }
                // with env= and no target the secret is only a variable, as in BuildKit ("" = no file)
                String t = target != null ? target : m.env() != null ? "" : "/run/secrets/" + id;
                return new ExecMount(-1, t, -1, true, "", ExecMount.MountType.SECRET,
                        null, new ExecMount.SecretOpt(id, m.env(), !m.required(), m.mode() == null ? 0400 : m.mode(),
                        m.uid() == null ? 0 : m.uid().intValue(), m.gid() == null ? 0 : m.gid().intValue()), null, null);
            }
            case SSH -> {
                String id = m.id() == null ? "default" : m.id();
                return new ExecMount(-1, target != null ? target : "/run/buildkit/ssh_agent.0", -1, true, "",
                        ExecMount.MountType.SSH, null, null, new ExecMount.SshOpt(id, !m.required(),
                        m.mode() == null ? 0600 : m.mode(), m.uid() == null ? 0 : m.uid().intValue(),
                        m.gid() == null ? 0 : m.gid().intValue()), null);
            }
        }
        throw new IllegalStateException("unknown mount type " + m.type());
    }
}
