package dev.kiln.dockerfile.parser;

import dev.kiln.dockerfile.shell.Env;
import dev.kiln.dockerfile.shell.ShellLex;
import java.util.List;

/**
 * Reads heredoc delimiter words as BuildKit does: the word is lexed with and without keeping
 * quotes; if any quote disappeared, part of the delimiter was quoted and the content must not be
 * expanded. Stateless.
 */
final class HeredocWords {
    /** Splits a whole line into words keeping quotes and escapes, leaving variables as written. */
    static final ShellLex LINE_LEX = new ShellLex('\\').withRawQuotes(true).withRawEscapes(true).withSkipUnsetEnv(true);
    private static final ShellLex WORD_LEX = new ShellLex('\\').withSkipUnsetEnv(true);
    private static final ShellLex RAW_WORD_LEX = WORD_LEX.withRawQuotes(true);

    private HeredocWords() {
    }

    static Heredoc heredoc(String rest, int fd, boolean chomp) {
        List<String> words = WORD_LEX.processWords(rest, Env.empty());
        if (words.size() != 1) {
            return null;
        }
        List<String> raw = RAW_WORD_LEX.processWords(rest, Env.empty());
        if (raw.size() != words.size()) {
            throw new ParseError("internal lexing of heredoc produced inconsistent results: " + rest);
        }
        String word = words.getFirst();
        boolean expand = quotes(word) == quotes(raw.getFirst());
        return new Heredoc(word, fd, expand, chomp, "");
    }

    private static long quotes(String s) {
        return s.chars().filter(c -> c == '\'' || c == '"').count();
    }
}
