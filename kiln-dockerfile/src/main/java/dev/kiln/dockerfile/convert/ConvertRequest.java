package dev.kiln.dockerfile.convert;

import dev.kiln.common.Platform;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the Dockerfile frontend needs to turn one Dockerfile into LLB.
 *
 * @param dockerfileName   the name errors show ({@code Dockerfile}, {@code app/Containerfile})
 * @param dockerfileText   its content
 * @param buildArgs        {@code --build-arg} values
 * @param target           the stage to build ({@code --target}); empty for the last stage
 * @param platform         the platform to build for
 * @param contextExcludes  the context's .dockerignore patterns, applied to every read of it
 * @param namedContexts    {@code --build-context NAME=…} values, by name as written
 * @param noCache          {@code --no-cache}: no step is served from the cache
 * @param noCacheStages    {@code --no-cache-filter}: stages (case-insensitive names) not served from the cache
 * @param created          the timestamp for history entries and the config (SOURCE_DATE_EPOCH or now)
 */
public record ConvertRequest(String dockerfileName, String dockerfileText, Map<String, String> buildArgs,
                             Optional<String> target, Platform platform, List<String> contextExcludes,
                             Map<String, String> namedContexts, boolean noCache, Set<String> noCacheStages,
                             Instant created) {
    public ConvertRequest {
        buildArgs = Map.copyOf(buildArgs);
        contextExcludes = List.copyOf(contextExcludes);
        namedContexts = Map.copyOf(namedContexts);
        noCacheStages = Set.copyOf(noCacheStages);
    }
}
