package dev.kiln.dockerfile.instructions;

import java.util.Locale;

/** {@code RUN --security=}: SANDBOX (default) or INSECURE (all capabilities; needs an entitlement). */
public enum SecurityMode {
    SANDBOX, INSECURE;

    static SecurityMode parse(String value) {
        for (SecurityMode m : values()) {
            if (m.name().toLowerCase(Locale.ROOT).equals(value)) {
                return m;
            }
        }
        throw new InstructionError("security \"" + value + "\" is not valid");
    }
}
