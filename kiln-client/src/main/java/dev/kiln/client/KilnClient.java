package dev.kiln.client;

import dev.kiln.client.remote.DaemonTarget;
import dev.kiln.client.remote.RemoteBuild;
import dev.kiln.client.remote.RemoteImageResolver;
import dev.kiln.common.Platform;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.engine.BuildRequest;
import dev.kiln.engine.BuildResult;
import dev.kiln.engine.Engine;
import dev.kiln.engine.EngineConfig;
import dev.kiln.llb.Definition;
import dev.kiln.llb.dsl.ImageMetaResolver;
import dev.kiln.llb.dsl.ProcessDefaults;
import dev.kiln.llb.dsl.State;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.image.ContainerConfig;
import dev.kiln.oci.image.ImageConfig;
import dev.kiln.registry.dockerconfig.DockerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a Java program uses to build images from LLB it makes with {@link State}: either an
 * engine embedded in the calling process over a state dir ({@link #embedded}) or a running
 * kilnd ({@link #connect}). {@link #solve} runs a graph, exports its root as an image tagged
 * with the given names and reports progress to a callback as steps start, log and finish.
 *
 * <p>The client is also the {@link ImageMetaResolver} of its engine or daemon
 * ({@link #resolveImage}): {@code State.image("app:1", client)} pins the image and takes its
 * config at once, and {@link #solve(State, Path, List, Consumer)} does the same for every image
 * of a graph by default, as BuildKit's client does with a meta resolver.
 *
 * <p>An embedded client holds the state dir's lock until {@link #close}; a connected client
 * holds nothing between calls. One solve at a time per embedded client is the tested use.
 */
public final class KilnClient implements AutoCloseable, ImageMetaResolver {
    private final Engine engine;
    private final DaemonTarget daemon;
    private final Platform platform = Platform.host();

    private KilnClient(Engine engine, DaemonTarget daemon) {
        this.engine = engine;
        this.daemon = daemon;
    }

    /** A client running builds in this process over {@code stateDir} (as {@code kiln --root}); needs root and runc. */
    public static KilnClient embedded(Path stateDir) {
        return new KilnClient(Engine.open(new EngineConfig(stateDir, null, 0), msg -> { }), null);
    }

    /** A client of the kilnd at {@code address} ({@code unix:///run/kiln/kilnd.sock}, {@code tcp://host:port}). */
    public static KilnClient connect(String address) {
        return new KilnClient(null, DaemonTarget.resolve(address, null, null, null));
    }

    /**
     * Marshals {@code state} and builds it, tagging the result with {@code tags}. Every image
     * reference without a digest is pinned to the digest it names now (the embedded engine's
     * image store, then registries; through kilnd, the daemon's, by its Resolve call) and each
     * image state's runs get the image config's environment, working directory and user (see
     * {@link State#marshal(ImageMetaResolver, Platform)}); a reference is looked up once per
     * solve. The image config written is the base image's (see {@link State#baseImage}) with
     * the state's resolved environment, working directory and user. {@code contextDir} (may be
     * null) is what {@code State.local("context")} reads. To build without any look-up, marshal
     * the state yourself and call {@link #solve(Definition, ImageConfig, Path, List, Consumer)}.
     *
     * @throws dev.kiln.common.KilnException when an image cannot be resolved or the build fails
     */
    public BuildResult solve(State state, Path contextDir, List<String> tags, Consumer<ProgressEvent> progress)
            throws InterruptedException, IOException {
        Map<String, FullImage> memo = new HashMap<>();
        ImageMetaResolver once = (ref, p) -> memo.computeIfAbsent(p + " " + ref, k -> lookup(ref, p)).resolved();
        Definition def = state.marshal(once, platform);
        ImageConfig base = state.baseImage()
                .map(ref -> memo.computeIfAbsent(platform + " " + ref, k -> lookup(ref, platform)).config())
                .orElse(ImageConfig.scratch(platform));
        ProcessDefaults process = state.defaults(once, platform);
        ContainerConfig cc = base.config() != null ? base.config() : ContainerConfig.EMPTY;
        if (!process.env().isEmpty() || !cc.env().isEmpty()) {
            cc = cc.withEnv(process.envList());
        }
        if (!process.workingDir().equals("/") || (cc.workingDir() != null && !cc.workingDir().isEmpty())) {
            cc = cc.withWorkingDir(process.workingDir());
        }
        if (!process.user().isEmpty() || (cc.user() != null && !cc.user().isEmpty())) {
            cc = cc.withUser(process.user());
        }
        return solve(def, base.withConfig(cc), contextDir, tags, progress);
    }

    /** Builds a definition as is, writing {@code config} (null: an empty config) as the image config. */
    public BuildResult solve(Definition definition, ImageConfig config, Path contextDir, List<String> tags,
                             Consumer<ProgressEvent> progress) throws InterruptedException, IOException {
        List<ImageReference> refs = tags.stream().map(ImageReference::parse).toList();
        ImageConfig cfg = config != null ? config : ImageConfig.scratch(platform);
        if (engine != null) {
            Path ctx = contextDir != null ? contextDir : Path.of("").toAbsolutePath();
            BuildRequest req = new BuildRequest(ctx, null, Map.of(), Optional.empty(), refs, List.of(), false, Set.of(),
                    Map.of(), platform, Optional.empty());
            return engine.solve(definition, cfg, req, progress::accept);
        }
        return RemoteBuild.solve(daemon, definition, cfg, contextDir, refs, List.of(), platform, Optional.empty(),
                progress::accept);
    }

    /**
     * Resolves {@code reference} for {@code platform} in the embedded engine (its image store,
     * then registries with this process's docker config) or through kilnd's Resolve call: the
     * pinned reference and the environment, working directory and user of the image's config.
     *
     * @throws dev.kiln.common.KilnException when the image cannot be found
     */
    @Override
    public Resolved resolveImage(String reference, Platform platform) {
        return lookup(reference, platform).resolved();
    }

    /** The image config of {@code reference} for this client's platform, as {@link #resolveImage} finds it. */
    public ImageConfig imageConfig(String reference) {
        return lookup(reference, platform).config();
    }

    private FullImage lookup(String reference, Platform p) {
        if (engine != null) {
            var img = engine.resolveImage(reference, p, DockerConfig.fromEnvironment());
            String id = img.sourceIdentifier();
            return new FullImage(id.substring(id.indexOf("://") + 3), img.config());
        }
        RemoteImageResolver.Resolution r = RemoteImageResolver.resolve(daemon, reference, p);
        return new FullImage(r.pinnedReference(), r.config());
    }

    /** A resolved image with its whole config (the dsl needs only the process part). */
    private record FullImage(String pinned, ImageConfig config) {
        Resolved resolved() {
            ContainerConfig c = config.config() != null ? config.config() : ContainerConfig.EMPTY;
            return new Resolved(pinned, ProcessDefaults.fromConfig(c.env(), c.workingDir(), c.user()));
        }
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        }
    }
}
