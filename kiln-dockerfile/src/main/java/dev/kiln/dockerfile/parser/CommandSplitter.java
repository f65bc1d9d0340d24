package dev.kiln.dockerfile.parser;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits a logical line into keyword, flags and the rest, as BuildKit's {@code splitCommand}:
 * flags are the leading words that start with {@code --}; a bare {@code --} ends them; quotes
 * and the escape character inside a flag word are removed.
 */
final class CommandSplitter {
    static final Pattern WHITESPACE = Pattern.compile("[\\t\\x0B\\f\\r ]+");

    record Split(String keyword, List<String> flags, String args) {
    }

    private CommandSplitter() {
    }

    static Split split(String line, char escape) {
        String[] cmdline = WHITESPACE.split(LineParsers.trimSpace(line), 2);
        if (cmdline.length < 2) {
            return new Split(cmdline[0], List.of(), "");
        }
        List<String> flags = new ArrayList<>();
        String rest = extractFlags(cmdline[1], escape, flags);
        return new Split(cmdline[0], flags, LineParsers.trimSpace(rest));
    }

    private enum Phase { SPACES, WORD, QUOTE }

    /** Collects the leading flag words of {@code line} into {@code words}; returns the remainder. */
    static String extractFlags(String line, char escape, List<String> words) {
        Phase phase = Phase.SPACES;
        StringBuilder word = new StringBuilder();
        char quote = 0;
        boolean blankOk = false;
        int n = line.length();
        for (int pos = 0; pos <= n; pos++) {
            char ch = pos < n ? line.charAt(pos) : 0;
            if (phase == Phase.SPACES) {
                if (pos == n) {
                    break;
                }
                if (LineParsers.isSpace(ch)) {
                    continue;
                }
                if (ch != '-' || pos + 1 == n || line.charAt(pos + 1) != '-') {
                    return line.substring(pos);
                }
                phase = Phase.WORD;
            }
            if (pos == n) {
                String w = word.toString();
                if (!w.equals("--") && (blankOk || !w.isEmpty())) {
                    words.add(w);
                }
                break;
            }
            if (phase == Phase.WORD) {
                if (LineParsers.isSpace(ch)) {
                    String w = word.toString();
                    phase = Phase.SPACES;
                    if (w.equals("--")) {
                        return line.substring(pos);
                    }
                    if (blankOk || !w.isEmpty()) {
                        words.add(w);
                    }
                    word.setLength(0);
                    blankOk = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOk = true;
                    phase = Phase.QUOTE;
                    continue;
                }
                if (ch == escape) {
                    if (pos + 1 == n) {
                        continue;
                    }
                    pos++;
                    ch = line.charAt(pos);
                }
                word.append(ch);
                continue;
            }
            // QUOTE
            if (ch == quote) {
                phase = Phase.WORD;
                continue;
            }
            if (ch == escape) {
                if (pos + 1 == n) {
                    phase = Phase.WORD;
                    continue;
                }
                pos++;
                ch = line.charAt(pos);
            }
            word.append(ch);
        }
        return "";
    }
}
