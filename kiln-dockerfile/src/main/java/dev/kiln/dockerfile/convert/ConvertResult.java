package dev.kiln.dockerfile.convert;

import dev.kiln.dockerfile.instructions.Warning;
import dev.kiln.llb.Definition;
import dev.kiln.oci.image.ImageConfig;
import java.util.List;

/**
 * What the frontend produced: the LLB of the target stage, and the image config the
 * exporter completes (it fills rootfs.diff_ids and marks history entries whose layer turned
 * out empty). History entries for this build's instructions follow the base image's.
 */
public record ConvertResult(Definition definition, ImageConfig config, List<Warning> warnings) {
    public ConvertResult {
        warnings = List.copyOf(warnings);
    }
}
