package dev.kiln.dockerfile.instructions;

import dev.kiln.common.KilnException;
import dev.kiln.common.SourceException;
import dev.kiln.common.SourceLocation;
import java.util.List;
import java.util.function.Supplier;

/** Runs expansion code and reports its failures at an instruction's location. Stateless helper. */
final class Located {
    private Located() {
    }

    static <T> T run(SourceLocation location, String original, Supplier<T> body) {
        try {
            return body.get();
        } catch (SourceException e) {
            throw e;
        } catch (InstructionError | KilnException e) {
            throw new SourceException(location, e.getMessage(), original, e);
        }
    }

    static List<String> each(List<String> words, WordExpander e) {
        return words.stream().map(e::expand).toList();
    }
}
