package dev.kiln.dockerfile.convert;

import dev.kiln.dockerfile.instructions.Warning;
import dev.kiln.llb.Definition;
import dev.kiln.oci.image.ImageConfig;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the frontend produced: the LLB of the target stage, and the image config the
 * exporter completes (it fills rootfs.diff_ids and marks history entries whose layer turned
 * out empty). History entries for this build's instructions follow the base image's.
 * {@code warnings} are the build checks' findings left after {@code # check=skip=…};
 * {@code checksFail} is {@code # check=error=true}: then any finding must stop the build.
 */
public record ConvertResult(Definition definition, ImageConfig config, List<Warning> warnings, boolean checksFail) {
    public ConvertResult {
        warnings = List.copyOf(warnings);
    }

    public ConvertResult(Definition definition, ImageConfig config, List<Warning> warnings) {
        this(definition, config, warnings, false);
    }

    /** The error a build reports when {@link #checksFail} and there are findings; else empty. */
    public Optional<String> checkFailure() {
        if (!checksFail || warnings.isEmpty()) {
            return Optional.empty();
        }
        Set<String> rules = new LinkedHashSet<>();
        warnings.forEach(w -> rules.add(w.rule()));
        return Optional.of("lint violation found for rules: " + String.join(", ", rules));
    }
}
