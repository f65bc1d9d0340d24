package dev.kiln.dockerfile.instructions;

import dev.kiln.dockerfile.shell.Env;
import dev.kiln.dockerfile.shell.ExpansionResult;
import dev.kiln.dockerfile.shell.ShellLex;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The usual {@link WordExpander}: a {@link ShellLex} over one environment, remembering which
 * variables it looked up. {@link #used()} are the names found (a build arg enters a cache key only
 * when it is used); {@link #undefined()} the names referenced but unset (the UndefinedVar check).
 * One instance per environment snapshot; not thread-safe.
 */
public final class ShellWordExpander implements WordExpander {
    private final ShellLex lex;
    private final Env env;
    private final Set<String> used = new LinkedHashSet<>();
    private final Set<String> undefined = new LinkedHashSet<>();

    public ShellWordExpander(ShellLex lex, Env env) {
        this.lex = lex;
        this.env = env;
    }

    /**
     * The expander BuildKit uses for the content of unquoted heredoc sources of COPY/ADD: escape
     * {@code \\} whatever the file's escape directive, quotes kept as ordinary characters.
     */
    public static ShellWordExpander forHeredocContent(Env env) {
        return new ShellWordExpander(new ShellLex('\\').withSkipProcessQuotes(true), env);
    }

    @Override
    public String expand(String word) {
        return record(lex.process(word, env)).result();
    }

    @Override
    public List<String> expandWords(String word) {
        return record(lex.process(word, env)).words();
    }

    private ExpansionResult record(ExpansionResult r) {
        used.addAll(r.matched());
        undefined.addAll(r.unmatched());
        return r;
    }

    public Set<String> used() {
        return Collections.unmodifiableSet(used);
    }

    public Set<String> undefined() {
        return Collections.unmodifiableSet(undefined);
    }
}
