package dev.kiln.dockerfile.shell;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The variables a {@link ShellLex} may substitute: build args and ENV values in scope at one
 * point of a stage. Lookup is case-sensitive (Unix semantics). A variable that is present with
 * an empty value is <em>set</em>; {@link #get} returns {@code null} only for unset names.
 *
 * <p>Implementations are read-only views; the lexer never modifies them.
 */
@FunctionalInterface
public interface Env {
    /** The value of {@code name}, or {@code null} when the variable is unset. */
    String get(String name);

    /** An environment with no variables. */
    static Env empty() {
        return name -> null;
    }

    /** A snapshot of {@code values} (later changes to the map are not seen). */
    static Env of(Map<String, String> values) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        return copy::get;
    }

    /**
     * An environment from {@code KEY=VALUE} entries, as in a process environment; a later entry
     * for the same key wins, an entry without {@code =} defines the key with an empty value.
     */
    static Env fromEntries(List<String> entries) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String e : entries) {
            int eq = e.indexOf('=');
            if (eq < 0) {
                map.put(e, "");
            } else {
                map.put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        return map::get;
    }
}
