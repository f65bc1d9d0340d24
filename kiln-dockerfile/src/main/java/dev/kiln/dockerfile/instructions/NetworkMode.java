package dev.kiln.dockerfile.instructions;

import java.util.Locale;

/** {@code RUN --network=}: the network a RUN step sees. DEFAULT lets the builder choose. */
public enum NetworkMode {
    DEFAULT, NONE, HOST;

    static NetworkMode parse(String value) {
        for (NetworkMode m : values()) {
            if (m.name().toLowerCase(Locale.ROOT).equals(value)) {
                return m;
            }
        }
        throw new InstructionError("invalid network mode \"" + value + "\"");
    }
}
