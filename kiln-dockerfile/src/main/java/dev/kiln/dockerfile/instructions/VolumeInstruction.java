package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;

/** {@code VOLUME /a /b} or {@code VOLUME ["/a"]}: mount points recorded in the image config; expanded. */
public record VolumeInstruction(List<String> volumes, SourceLocation location, String original)
        implements Instruction, Expandable<VolumeInstruction> {
    public VolumeInstruction {
        volumes = List.copyOf(volumes);
    }

    @Override
    public VolumeInstruction expand(WordExpander e) {
        return Located.run(location, original, () -> new VolumeInstruction(Located.each(volumes, e), location, original));
    }
}
