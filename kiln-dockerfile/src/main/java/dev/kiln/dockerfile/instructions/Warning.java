package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;

/**
 * A problem worth reporting that does not stop the build (BuildKit's lint rules and parser
 * warnings). {@code rule} is BuildKit's rule name where one exists (e.g. {@code
 * NoEmptyContinuation}, {@code MaintainerDeprecated}, {@code StageNameCasing}).
 */
public record Warning(String rule, String message, String url, SourceLocation location) {
    @Override
    public String toString() {
        return location + ": " + rule + ": " + message;
    }
}
