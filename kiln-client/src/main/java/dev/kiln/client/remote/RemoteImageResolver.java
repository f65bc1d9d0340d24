package dev.kiln.client.remote;

import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.daemon.api.ControlGrpc;
import dev.kiln.daemon.api.ResolveRequest;
import dev.kiln.daemon.api.ResolveResponse;
import dev.kiln.oci.image.ImageConfig;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.registry.dockerconfig.DockerConfig;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * kilnd's Resolve call for the client library: what an image reference names in the daemon's
 * image store or registries now, and the image's config, before a graph is built (BuildKit's
 * ResolveImageConfig). Each call opens and closes its own connection and session. Stateless.
 */
public final class RemoteImageResolver {
    private RemoteImageResolver() {}

    /**
     * An image as kilnd resolved it.
     *
     * @param pinnedReference {@code NAME[:TAG]@sha256:…}
     * @param config          the image config for the requested platform
     */
    public record Resolution(String pinnedReference, ImageConfig config) {}

    /**
     * Resolves {@code reference} for {@code platform} through the daemon at {@code target}. A
     * session is attached for the call so that the daemon asks this process for registry
     * credentials (its docker config), as for a build; they never reach the daemon otherwise.
     *
     * @throws KilnException when the daemon cannot find the image or cannot be reached
     */
    public static Resolution resolve(DaemonTarget target, String reference, Platform platform) {
        String sessionId = UUID.randomUUID().toString();
        ResolveResponse r;
        try (DaemonTarget.Connection conn = target.connect();
             SessionClient session = new SessionClient(sessionId, Map.of(), Map.of(), Map.of(),
                     DockerConfig.fromEnvironment())) {
            session.attach(conn.channel());
            r = ControlGrpc.newBlockingStub(conn.channel()).withDeadlineAfter(2, TimeUnit.MINUTES)
                    .resolve(ResolveRequest.newBuilder().setReference(reference).setPlatform(platform.toString())
                            .setSessionId(sessionId).build());
        } catch (StatusRuntimeException e) {
            throw RemoteBuild.translate(e, target);
        }
        try {
            return new Resolution(r.getPinnedReference(), ImageJson.read(r.getImageConfig().toByteArray(),
                    ImageConfig.class));
        } catch (IOException e) {
            throw new KilnException("kilnd sent an invalid image config for " + reference + ": " + e.getMessage(), e);
        }
    }
}
