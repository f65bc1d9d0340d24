package dev.kiln.dockerfile.convert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.common.SourceException;
import dev.kiln.dockerfile.instructions.AddInstruction;
import dev.kiln.dockerfile.instructions.ArgInstruction;
import dev.kiln.dockerfile.instructions.CopyInstruction;
import dev.kiln.dockerfile.instructions.DockerfileModel;
import dev.kiln.dockerfile.instructions.Instruction;
import dev.kiln.dockerfile.instructions.InstructionParser;
import dev.kiln.dockerfile.instructions.RunInstruction;
import dev.kiln.dockerfile.instructions.ShellWordExpander;
import dev.kiln.dockerfile.instructions.Stage;
import dev.kiln.dockerfile.instructions.WorkdirInstruction;
import dev.kiln.dockerfile.shell.Env;
import dev.kiln.dockerfile.shell.ShellLex;
import dev.kiln.llb.DefinitionBuilder;
import dev.kiln.llb.Edge;
import dev.kiln.llb.SourceOp;
import dev.kiln.llb.VertexMeta;
import dev.kiln.oci.image.ImageConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Dockerfile frontend: turns a Dockerfile into an LLB {@link dev.kiln.llb.Definition} and
 * the image config of its target stage, with BuildKit's semantics. Stages are converted on
 * demand starting from the target, so a stage nothing needs is neither converted nor built
 * and its base image is never looked up.
 *
 * <p>One instance converts one request; use {@link #convert}.
 */
public final class DockerfileConverter {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> PROXY_ARGS = List.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
            "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");

    final ConvertRequest request;
    final ImageMetaResolver resolver;
    final DefinitionBuilder builder = new DefinitionBuilder();
    final DockerfileModel model;
    final ShellLex lex;
    final Map<String, String> metaArgs = new LinkedHashMap<>();
    /** The meta args' values from their defaults alone (InvalidDefaultArgInFrom). */
    final Map<String, String> metaDefaults = new LinkedHashMap<>();
    final Map<String, String> predefinedArgs;
    final BuildChecks checks;
    final IgnoreRules ignored;
    private final Map<Integer, StageState> converted = new HashMap<>();
    private final Set<Integer> inProgress = new HashSet<>();
    private Edge context;

    private DockerfileConverter(ConvertRequest request, ImageMetaResolver resolver) {
        this.request = request;
        this.resolver = resolver;
        this.model = InstructionParser.parse(request.dockerfileName(), request.dockerfileText());
        this.lex = new ShellLex(model.directives().escape());
        this.predefinedArgs = predefined(request.platform());
        this.checks = new BuildChecks(model.directives().check(), request.buildArgs().get("BUILDKIT_DOCKERFILE_CHECK"));
        this.ignored = new IgnoreRules(request.contextExcludes());
        checks.definitionDescriptions(request.dockerfileName(), request.dockerfileText());
    }

    /** Converts a Dockerfile; errors are {@link SourceException}s naming file and line. */
    public static ConvertResult convert(ConvertRequest request, ImageMetaResolver resolver) {
        return new DockerfileConverter(request, resolver).run();
    }

    private ConvertResult run() {
        Env metaEnv = Env.of(predefinedArgs);
        for (ArgInstruction arg : model.metaArgs()) {
            for (ArgInstruction.Arg a : arg.args()) {
                Map<String, String> scope = new LinkedHashMap<>(predefinedArgs);
                scope.putAll(metaArgs);
                ArgInstruction.Arg e = new ArgInstruction(List.of(a), arg.location(), arg.original())
                        .expand(new ShellWordExpander(lex, Env.of(scope))).args().getFirst();
                String value = request.buildArgs().containsKey(e.name()) ? request.buildArgs().get(e.name()) : e.defaultValue();
                metaArgs.put(e.name(), value);
                metaDefaults.put(e.name(), e.defaultValue());
                checks.secretName("ARG", e.name(), arg.location());
            }
        }
        Stage target = request.target().map(t -> model.stage(t).orElseThrow(() -> new KilnException(
                "target stage \"" + t + "\" could not be found in " + request.dockerfileName()))).orElse(model.target());
        StageState s = stage(target);
        for (Stage other : model.stages()) {
            new StageConverter(this, other).checkFrom();
        }
        ImageConfig config = s.image.withCreated(request.created()).withPlatform(request.platform());
        return new ConvertResult(builder.build(s.fs), config, checks.report(model.warnings()), checks.findingsAreErrors());
    }

    /** The LLB state of a stage, converting it (and what it needs) the first time. */
    StageState stage(Stage st) {
        StageState done = converted.get(st.index());
        if (done != null) {
            return done;
        }
        if (!inProgress.add(st.index())) {
            throw new SourceException(st.location(), "circular dependency detected on stage " + stageLabel(st), st.original());
        }
        StageState state = new StageConverter(this, st).convert();
        inProgress.remove(st.index());
        converted.put(st.index(), state);
        return state;
    }

    /** A stage that {@code ref} names, searching only stages before {@code before} (FROM, --from). */
    Optional<Stage> stageBefore(String ref, int before) {
        for (int i = Math.min(before, model.stages().size()) - 1; i >= 0; i--) {
            Stage s = model.stages().get(i);
            if (s.name() != null && s.name().equalsIgnoreCase(ref)) {
                return Optional.of(s);
            }
        }
        if (ref.matches("\\d+")) {
            int i = Integer.parseInt(ref);
            if (i < before) {
                return Optional.of(model.stages().get(i));
            }
        }
        return Optional.empty();
    }

    String stageLabel(Stage st) {
        if (model.stages().size() == 1) {
            return "";
        }
        return st.name() != null ? st.name().toLowerCase(Locale.ROOT) : "stage-" + st.index();
    }

    static int countSteps(Stage st) {
        int n = 1;
        for (Instruction i : st.commands()) {
            if (i instanceof RunInstruction || i instanceof CopyInstruction || i instanceof AddInstruction
                    || i instanceof WorkdirInstruction) {
                n++;
            }
        }
        return n;
    }

    /** The build context as an LLB source, with the .dockerignore rules; one vertex per build. */
    Edge context() {
        if (context == null) {
            try {
                Map<String, String> attrs = new LinkedHashMap<>();
                if (!request.contextExcludes().isEmpty()) {
                    attrs.put(SourceOp.ATTR_EXCLUDE, JSON.writeValueAsString(request.contextExcludes()));
                }
                context = builder.add(new SourceOp("local://context", attrs), List.of(),
                        VertexMeta.named("[internal] load build context"));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return context;
    }

    /**
     * The file system a {@code --from} (COPY) or {@code from=} (RUN --mount) names: the build
     * context when empty, a named context, a stage (by name, case-insensitive, or index), or
     * an image.
     */
    Edge stageOrContext(StageConverter at, String from, dev.kiln.common.SourceLocation loc, String line) {
        if (from == null || from.isEmpty()) {
            return context();
        }
        if (request.namedContexts().containsKey(from)) {
            ImageMetaResolver.BaseImage img = resolver.resolveNamedContext(from, request.namedContexts().get(from), at.platform);
            return builder.add(new SourceOp(img.sourceIdentifier(), Map.of(SourceOp.ATTR_PLATFORM, at.platform.toString())),
                    List.of(), VertexMeta.named("[internal] load build context " + from));
        }
        Optional<Stage> st = Optional.empty();
        for (Stage s : model.stages()) {
            if (s.matches(from)) {
                st = Optional.of(s);
            }
        }
        if (st.isPresent()) {
            if (st.get().index() == at.stage.index()) {
                throw new SourceException(loc, "circular dependency detected on stage " + from, line);
            }
            StageState s = stage(st.get());
            return s.fs.orElseGet(() -> builder.add(new dev.kiln.llb.FileOp(-1,
                    List.of(new dev.kiln.llb.FileAction.Mkdir("/", 0755, true, null, null))), List.of(), VertexMeta.named("scratch")));
        }
        try {
            ImageMetaResolver.BaseImage img = resolver.resolveImage(from, at.platform);
            return builder.add(new SourceOp(img.sourceIdentifier(), Map.of(SourceOp.ATTR_PLATFORM, at.platform.toString())),
                    List.of(), VertexMeta.named("[internal] load image " + from));
        } catch (SourceException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SourceException(loc, e.getMessage(), line, e);
        }
    }

    boolean noCacheFor(Stage st) {
        return request.noCache() || (st.name() != null && request.noCacheStages().stream()
                .anyMatch(n -> n.equalsIgnoreCase(st.name())));
    }

    private static Map<String, String> predefined(Platform target) {
        Platform build = Platform.host();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("TARGETPLATFORM", target.toString());
        m.put("TARGETOS", target.os());
        m.put("TARGETARCH", target.architecture());
        m.put("TARGETVARIANT", target.variant());
        m.put("BUILDPLATFORM", build.toString());
        m.put("BUILDOS", build.os());
        m.put("BUILDARCH", build.architecture());
        m.put("BUILDVARIANT", build.variant());
        return m;
    }
}
