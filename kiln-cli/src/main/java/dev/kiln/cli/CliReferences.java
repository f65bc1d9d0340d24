package dev.kiln.cli;

import dev.kiln.common.KilnException;
import dev.kiln.oci.ImageReference;

/** Parses image references typed on the command line into user-facing errors. */
final class CliReferences {
    private CliReferences() {}

    static ImageReference parse(String s) {
        try {
            return ImageReference.parse(s);
        } catch (IllegalArgumentException e) {
            throw new KilnException("invalid reference \"" + s + "\": " + e.getMessage());
        }
    }
}
