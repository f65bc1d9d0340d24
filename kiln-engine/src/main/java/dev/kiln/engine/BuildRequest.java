package dev.kiln.engine;

import dev.kiln.common.Platform;
import dev.kiln.export.OutputSpec;
import dev.kiln.export.cache.CacheSpec;
import dev.kiln.oci.ImageReference;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One {@code kiln build}: the context directory, the Dockerfile, build args, target stage,
 * names to tag, outputs, cache options, named build contexts and the platform.
 *
 * @param sourceDateEpoch when present, the time written into history and config, and the
 *                        clamp for layer timestamps (reproducible builds)
 * @param grants secrets, ssh agents and entitlements the client lends the build ({@link BuildGrants#NONE} if null)
 * @param cacheFrom caches to import ({@code --cache-from}), consulted in order after the local cache
 * @param cacheTo   where to export this build's cache ({@code --cache-to})
 */
public record BuildRequest(Path contextDir, Path dockerfile, Map<String, String> buildArgs, Optional<String> target,
                           List<ImageReference> tags, List<OutputSpec> outputs, boolean noCache, Set<String> noCacheFilter,
                           Map<String, String> buildContexts, Platform platform, Optional<Instant> sourceDateEpoch,
                           BuildGrants grants, List<CacheSpec> cacheFrom, List<CacheSpec> cacheTo) {
    /** A request that lends no secrets or ssh agents and grants no entitlements. */
    public BuildRequest(Path contextDir, Path dockerfile, Map<String, String> buildArgs, Optional<String> target,
                        List<ImageReference> tags, List<OutputSpec> outputs, boolean noCache, Set<String> noCacheFilter,
                        Map<String, String> buildContexts, Platform platform, Optional<Instant> sourceDateEpoch) {
        this(contextDir, dockerfile, buildArgs, target, tags, outputs, noCache, noCacheFilter, buildContexts, platform,
                sourceDateEpoch, BuildGrants.NONE);
    }

    /** A request that imports and exports no cache. */
    public BuildRequest(Path contextDir, Path dockerfile, Map<String, String> buildArgs, Optional<String> target,
                        List<ImageReference> tags, List<OutputSpec> outputs, boolean noCache, Set<String> noCacheFilter,
                        Map<String, String> buildContexts, Platform platform, Optional<Instant> sourceDateEpoch,
                        BuildGrants grants) {
        this(contextDir, dockerfile, buildArgs, target, tags, outputs, noCache, noCacheFilter, buildContexts, platform,
                sourceDateEpoch, grants, List.of(), List.of());
    }

    /** This request with caches to import and export. */
    public BuildRequest withCaches(List<CacheSpec> from, List<CacheSpec> to) {
        return new BuildRequest(contextDir, dockerfile, buildArgs, target, tags, outputs, noCache, noCacheFilter,
                buildContexts, platform, sourceDateEpoch, grants, from, to);
    }

    public BuildRequest {
        grants = grants == null ? BuildGrants.NONE : grants;
        buildArgs = Map.copyOf(buildArgs);
        tags = List.copyOf(tags);
        outputs = List.copyOf(outputs);
        noCacheFilter = Set.copyOf(noCacheFilter);
        buildContexts = Map.copyOf(buildContexts);
        cacheFrom = cacheFrom == null ? List.of() : List.copyOf(cacheFrom);
        cacheTo = cacheTo == null ? List.of() : List.copyOf(cacheTo);
    }
}
