package dev.kiln.client;

import dev.kiln.client.remote.DaemonTarget;
import dev.kiln.client.remote.RemoteBuild;
import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.engine.BuildRequest;
import dev.kiln.engine.BuildResult;
import dev.kiln.engine.Engine;
import dev.kiln.engine.EngineConfig;
import dev.kiln.llb.Definition;
import dev.kiln.llb.dsl.State;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.image.ContainerConfig;
import dev.kiln.oci.image.ImageConfig;
import dev.kiln.oci.image.ImageReader;
import java.io.IOException;
import java.nio.file.Path;
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
 * An embedded client holds the state dir's lock until {@link #close}; a connected client holds
 * nothing between calls. One solve at a time per embedded client is the tested use.
 */
public final class KilnClient implements AutoCloseable {
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
     * Marshals {@code state} and builds it, tagging the result with {@code tags}. Image
     * references are pinned to the digest the embedded engine's image store holds for them (a
     * reference it does not hold, and every reference through kilnd, is left for the worker,
     * which pulls an unpinned one from its registry). The image config is the base image's
     * (see {@link State#baseImage}) with the state's environment, working directory and user
     * set; {@code contextDir} (may be null) is what {@code State.local("context")} reads.
     */
    public BuildResult solve(State state, Path contextDir, List<String> tags, Consumer<ProgressEvent> progress)
            throws InterruptedException, IOException {
        Definition def = engine != null ? state.marshal(this::pin) : state.marshal();
        ImageConfig base = engine != null && state.baseImage().isPresent()
                ? storedConfig(state.baseImage().get()).orElse(ImageConfig.scratch(platform))
                : ImageConfig.scratch(platform);
        ContainerConfig cc = base.config();
        for (Map.Entry<String, String> e : state.environment().entrySet()) {
            cc = cc.withEnvVar(e.getKey(), e.getValue());
        }
        if (!state.workingDir().equals("/")) {
            cc = cc.withWorkingDir(state.workingDir());
        }
        if (!state.currentUser().isEmpty()) {
            cc = cc.withUser(state.currentUser());
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

    /** {@code reference} with the digest the local image store holds for it, or unchanged. */
    private String pin(String reference) {
        ImageReference ref = ImageReference.parse(reference);
        if (ref.digest() != null) {
            return reference;
        }
        return engine.images().get(ref).map(img -> ref.withDigest(null) + "@" + img.descriptor().digest())
                .orElse(reference);
    }

    private Optional<ImageConfig> storedConfig(String reference) {
        ImageReference ref = ImageReference.parse(reference);
        Optional<Descriptor> d = engine.images().get(ref).map(img -> img.descriptor());
        if (d.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ImageReader(engine.content()).resolve(d.get(), platform).config());
        } catch (IOException e) {
            throw new KilnException("image " + reference + " in the local store is damaged: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        }
    }
}
