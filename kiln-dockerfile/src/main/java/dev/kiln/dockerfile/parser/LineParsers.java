package dev.kiln.dockerfile.parser;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns the argument text of one instruction into its argument chain, one rule per keyword as in
 * BuildKit's dispatch table: JSON-or-shell ({@code RUN CMD ENTRYPOINT SHELL}), JSON-or-list
 * ({@code ADD COPY VOLUME}), name/value pairs ({@code ENV LABEL}), words ({@code ARG}),
 * whitespace lists ({@code FROM EXPOSE}), one string ({@code USER WORKDIR MAINTAINER STOPSIGNAL}),
 * {@code HEALTHCHECK} and {@code ONBUILD}. Unknown keywords keep an empty argument; the
 * instruction layer rejects them. Stateless.
 */
final class LineParsers {
    private LineParsers() {
    }

    /** Argument chain head (may be null) and whether it came from a JSON array. */
    record Parsed(Node next, boolean json) {
        static final Parsed NONE = new Parsed(null, false);
    }

    /** Builds the instruction node for one logical line (without line numbers). */
    static Node nodeFromLine(String line, char escape, List<String> comments) {
        CommandSplitter.Split split = CommandSplitter.split(line, escape);
        Parsed parsed = dispatch(split.keyword().toLowerCase(Locale.ROOT), split.args(), escape);
        Node node = new Node(split.keyword(), parsed.next());
        node.setOriginal(line);
        node.setFlags(split.flags());
        node.setJson(parsed.json());
        node.setComments(comments);
        return node;
    }

    private static Parsed dispatch(String keyword, String rest, char escape) {
        return switch (keyword) {
            case "add", "copy", "volume" -> maybeJsonToList(rest);
            case "arg" -> nameOrNameVal(rest, escape);
            case "cmd", "entrypoint", "run", "shell" -> maybeJson(rest);
            case "env" -> new Parsed(nameVal(rest, "ENV", escape), false);
            case "label" -> new Parsed(nameVal(rest, "LABEL", escape), false);
            case "expose", "from" -> new Parsed(whitespaceDelimited(rest), false);
            case "healthcheck" -> healthConfig(rest);
            case "maintainer", "stopsignal", "user", "workdir" -> rest.isEmpty() ? Parsed.NONE : new Parsed(new Node(rest), false);
            case "onbuild" -> subCommand(rest, escape);
            default -> new Parsed(new Node(""), false);
        };
    }

    private static Parsed subCommand(String rest, char escape) {
        if (rest.isEmpty()) {
            return Parsed.NONE;
        }
        Node holder = new Node("");
        holder.addChild(nodeFromLine(rest, escape, List.of()));
        return new Parsed(holder, false);
    }

    private enum Phase { SPACES, WORD, QUOTE }

    /** Splits on unquoted whitespace, keeping quotes and escapes in the words. */
    static List<String> parseWords(String rest, char escape) {
        List<String> words = new ArrayList<>();
        Phase phase = Phase.SPACES;
        int quote = 0;
        boolean blankOk = false;
        StringBuilder word = new StringBuilder();
        int n = rest.length();
        int ch = 0;
        int width = 0;
        for (int pos = 0; pos <= n; pos += width) {
            if (pos != n) {
                ch = rest.codePointAt(pos);
                width = Character.charCount(ch);
            }
            if (phase == Phase.SPACES) {
                if (pos == n) {
                    break;
                }
                if (isSpace(ch)) {
                    continue;
                }
                phase = Phase.WORD;
            }
            if (pos == n) {
                if (blankOk || !word.isEmpty()) {
                    words.add(word.toString());
                }
                break;
            }
            if (phase == Phase.WORD) {
                if (isSpace(ch)) {
                    phase = Phase.SPACES;
                    if (blankOk || !word.isEmpty()) {
                        words.add(word.toString());
                    }
                    word.setLength(0);
                    blankOk = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOk = true;
                    phase = Phase.QUOTE;
                }
                if (ch == escape) {
                    if (pos + width == n) {
                        continue;
                    }
                    word.appendCodePoint(ch);
                    pos += width;
                    ch = rest.codePointAt(pos);
                    width = Character.charCount(ch);
                }
                word.appendCodePoint(ch);
                continue;
            }
            // QUOTE
            if (ch == quote) {
                phase = Phase.WORD;
            }
            if (ch == escape && quote != '\'') {
                if (pos + width == n) {
                    phase = Phase.WORD;
                    continue;
                }
                pos += width;
                word.appendCodePoint(ch);
                ch = rest.codePointAt(pos);
                width = Character.charCount(ch);
            }
            word.appendCodePoint(ch);
        }
        return words;
    }

    /** {@code ENV}/{@code LABEL}: {@code key value} (old form) or {@code k=v k2=v2} triples (key, value, "=" or ""). */
    static Node nameVal(String rest, String keyword, char escape) {
        List<String> words = parseWords(rest, escape);
        if (words.isEmpty()) {
            return null;
        }
        if (!words.getFirst().contains("=")) {
            String[] parts = CommandSplitter.WHITESPACE.split(rest, 2);
            if (parts.length < 2) {
                throw new ParseError(keyword + " must have two arguments");
            }
            return keyValue(parts[0], parts[1], "");
        }
        Node root = null;
        Node last = null;
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq < 0) {
                throw new ParseError("Syntax error - can't find = in " + AstDumper.quote(w) + ". Must be of the form: name=value");
            }
            Node kv = keyValue(w.substring(0, eq), w.substring(eq + 1), "=");
            if (root == null) {
                root = kv;
            } else {
                last.setNext(kv);
            }
            last = kv.next().next();
        }
        return root;
    }

    private static Node keyValue(String key, String value, String sep) {
        return new Node(key, new Node(value, new Node(sep)));
    }

    private static Parsed nameOrNameVal(String rest, char escape) {
        return new Parsed(chain(parseWords(rest, escape)), false);
    }

    static Node chain(List<String> values) {
        Node root = null;
        for (int i = values.size() - 1; i >= 0; i--) {
            root = new Node(values.get(i), root);
        }
        return root;
    }

    static Node whitespaceDelimited(String rest) {
        if (rest.isEmpty()) {
            return null;
        }
        return chain(List.of(CommandSplitter.WHITESPACE.split(rest, -1)));
    }

    private static Parsed json(String rest) throws JsonArray.NotJson {
        List<String> values = JsonArray.parse(trimLeadingSpace(rest));
        if (values.contains(null)) {
            throw new ParseError("when using JSON array syntax, arrays must be comprised of strings only");
        }
        return new Parsed(chain(values), true);
    }

    private static Parsed maybeJson(String rest) {
        if (rest.isEmpty()) {
            return Parsed.NONE;
        }
        try {
            return json(rest);
        } catch (JsonArray.NotJson e) {
            return new Parsed(new Node(rest), false);
        }
    }

    private static Parsed maybeJsonToList(String rest) {
        try {
            return json(rest);
        } catch (JsonArray.NotJson e) {
            return new Parsed(whitespaceDelimited(rest), false);
        }
    }

    private static Parsed healthConfig(String rest) {
        int sep = 0;
        while (sep < rest.length() && !isSpace(rest.charAt(sep))) {
            sep++;
        }
        int next = sep;
        while (next < rest.length() && isSpace(rest.charAt(next))) {
            next++;
        }
        if (sep == 0) {
            return Parsed.NONE;
        }
        Parsed cmd = maybeJson(rest.substring(next));
        return new Parsed(new Node(rest.substring(0, sep), cmd.next()), cmd.json());
    }

    /** Go's {@code unicode.IsSpace}. */
    static boolean isSpace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0 -> true;
            default -> cp > 0xFF && Character.isSpaceChar(cp);
        };
    }

    static String trimLeadingSpace(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.codePointAt(i))) {
            i += Character.charCount(s.codePointAt(i));
        }
        return s.substring(i);
    }

    static String trimSpace(String s) {
        String left = trimLeadingSpace(s);
        int end = left.length();
        while (end > 0 && isSpace(left.codePointBefore(end))) {
            end -= Character.charCount(left.codePointBefore(end));
        }
        return left.substring(0, end);
    }
}
