package dev.kiln.dockerfile.instructions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --name=value} flags of one instruction, checked against the flags that instruction
 * declares (BuildKit's {@code BFlags}). Declare with {@link #bool}, {@link #string},
 * {@link #strings}, then call {@link #parse()} once; read values afterwards. Unknown flags are
 * rejected with a spelling hint, string flags need a value, a flag other than a repeatable one
 * may appear once, and {@code --} ends the flags. One instance per instruction; not thread-safe.
 */
final class InstructionFlags {
    private enum Kind { BOOL, STRING, STRINGS }

    private static final class Flag {
        final Kind kind;
        String value;
        final List<String> values = new ArrayList<>();
        boolean used;

        Flag(Kind kind, String value) {
            this.kind = kind;
            this.value = value;
        }
    }

    private final List<String> args;
    private final Map<String, Flag> flags = new LinkedHashMap<>();
    private final Set<String> used = new LinkedHashSet<>();

    InstructionFlags(List<String> args) {
        this.args = List.copyOf(args);
    }

    void bool(String name) {
        flags.put(name, new Flag(Kind.BOOL, "false"));
    }

    void string(String name, String defaultValue) {
        flags.put(name, new Flag(Kind.STRING, defaultValue));
    }

    void strings(String name) {
        flags.put(name, new Flag(Kind.STRINGS, null));
    }

    void parse() {
        for (String a : args) {
            if (a.equals("--")) {
                return;
            }
            if (!a.startsWith("--")) {
                throw new InstructionError("arg should start with -- : " + a);
            }
            int eq = a.indexOf('=');
            String flagName = eq < 0 ? a : a.substring(0, eq);
            String value = eq < 0 ? "" : a.substring(eq + 1);
            boolean hasValue = eq >= 0;
            String name = flagName.substring(2);
            Flag flag = flags.get(name);
            if (flag == null) {
                throw new InstructionError(Suggestions.withHint("unknown flag: " + flagName, name, flags.keySet(), true, "--"));
            }
            if (flag.used && flag.kind != Kind.STRINGS) {
                throw new InstructionError("duplicate flag specified: " + flagName);
            }
            flag.used = true;
            used.add(name);
            switch (flag.kind) {
                case BOOL -> {
                    if (hasValue && value.isEmpty()) {
                        throw new InstructionError("missing a value on flag: " + flagName);
                    }
                    switch (value.toLowerCase(Locale.ROOT)) {
                        case "true", "" -> flag.value = "true";
                        case "false" -> flag.value = "false";
                        default -> throw new InstructionError("expecting boolean value for flag " + flagName + ", not: " + value);
                    }
                }
                case STRING -> {
                    if (!hasValue) {
                        throw new InstructionError("missing a value on flag: " + flagName);
                    }
                    flag.value = value;
                }
                case STRINGS -> {
                    if (!hasValue) {
                        throw new InstructionError("missing a value on flag: " + flagName);
                    }
                    flag.values.add(value);
                }
            }
        }
    }

    String string(String name) {
        return flags.get(name).value;
    }

    boolean isTrue(String name) {
        return "true".equals(flags.get(name).value);
    }

    /** For a bool flag: null when absent, else its value (for tri-state flags such as ADD --unpack). */
    Boolean optionalBool(String name) {
        Flag f = flags.get(name);
        return f.used ? "true".equals(f.value) : null;
    }

    List<String> values(String name) {
        return List.copyOf(flags.get(name).values);
    }

    boolean isUsed(String name) {
        return used.contains(name);
    }

    Set<String> used() {
        return Set.copyOf(used);
    }
}
