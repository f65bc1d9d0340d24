package dev.kiln.dockerfile.instructions;

import dev.kiln.dockerfile.parser.Directives;
import java.util.List;
import java.util.Optional;

/**
 * A whole Dockerfile, typed: the ARGs before the first FROM (meta args, visible to FROM lines),
 * the stages, the parser directives and the warnings collected while reading it. Immutable.
 * Build it with {@link InstructionParser#parse(String, String)}.
 */
public record DockerfileModel(List<ArgInstruction> metaArgs, List<Stage> stages, Directives directives, List<Warning> warnings) {
    public DockerfileModel {
        metaArgs = List.copyOf(metaArgs);
        stages = List.copyOf(stages);
        warnings = List.copyOf(warnings);
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("a Dockerfile model needs at least one stage");
        }
    }

    /**
     * The stage {@code ref} designates: the <em>last</em> stage with that name (case-insensitive)
     * or with that index.
     */
    public Optional<Stage> stage(String ref) {
        for (int i = stages.size() - 1; i >= 0; i--) {
            if (stages.get(i).matches(ref)) {
                return Optional.of(stages.get(i));
            }
        }
        return Optional.empty();
    }

    /** The stage built by default: the last one. */
    public Stage target() {
        return stages.getLast();
    }
}
