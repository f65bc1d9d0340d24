package dev.kiln.dockerfile.parser;

import dev.kiln.common.SourceException;
import dev.kiln.common.SourceLocation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses Dockerfile text into a {@link Node} tree with the rules of BuildKit's parser: parser
 * directives at the top, comments, line continuations with the escape character (blank and
 * comment lines inside a continuation are skipped, blank ones with a warning), JSON or shell
 * argument forms, leading {@code --flags}, and here-documents for RUN, COPY and ADD (also under
 * ONBUILD).
 *
 * <p>Stateless: every {@link #parse} call uses its own state. Errors are
 * {@link SourceException}s with the file name and 1-based line.
 */
public final class DockerfileParser {
    private static final Set<String> HEREDOC_KEYWORDS = Set.of("add", "copy", "run");
    private static final Pattern HEREDOC_WORD = Pattern.compile("^([0-9]*)<<(-?)[\\t\\n\\f\\r ]*([^<]*)\\z");
    private static final String EMPTY_CONTINUATION_URL = "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/";

    private DockerfileParser() {
    }

    /** Parses UTF-8 bytes (a leading byte-order mark is ignored). */
    public static ParseResult parse(String fileName, byte[] content) {
        return parse(fileName, new String(content, StandardCharsets.UTF_8));
    }

    /**
     * Parses {@code text}; {@code fileName} is used in error messages and locations.
     *
     * @throws SourceException on a syntax error, an unterminated heredoc or a file with no instructions
     */
    public static ParseResult parse(String fileName, String text) {
        return new Run(fileName, splitLines(text)).parse();
    }

    /** Splits into lines that keep their {@code \n} (the last may lack one). */
    static List<String> splitLines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            lines.add(text.substring(start, end));
            start = end;
        }
        return lines;
    }

    /** The state of one parse. */
    private static final class Run {
        private final String file;
        private final List<String> lines;
        private int cursor;
        private int currentLine;
        private final DirectiveParser directiveParser = new DirectiveParser();
        private char escape = Directives.DEFAULT_ESCAPE;
        private String syntax;
        private String check;
        private Pattern continuation = continuationPattern(escape);

        Run(String file, List<String> lines) {
            this.file = file;
            this.lines = lines;
        }

        private boolean hasNext() {
            return cursor < lines.size();
        }

        private String nextLine() {
            return lines.get(cursor++);
        }

        ParseResult parse() {
            Node root = new Node("");
            List<ParseWarning> warnings = new ArrayList<>();
            List<String> comments = new ArrayList<>();
            while (hasNext()) {
                String raw = nextLine();
                if (currentLine == 0 && raw.startsWith("\uFEFF")) {
                    raw = raw.substring(1);
                }
                if (isComment(raw)) {
                    String comment = LineParsers.trimSpace(LineParsers.trimLeadingSpace(raw).substring(1));
                    if (comment.isEmpty()) {
                        comments.clear();
                    } else {
                        comments.add(comment);
                    }
                }
                String processed;
                try {
                    ProcessedLine pl = processLine(raw, true);
                    processed = pl.text;
                    if (pl.directive && !comments.isEmpty()) {
                        comments.removeLast();
                    }
                } catch (ParseError e) {
                    throw error(currentLine + 1, e.getMessage(), raw);
                }
                currentLine++;
                int startLine = currentLine;
                Continuation c = trimContinuation(processed);
                if (c.endOfLine && c.text.isEmpty()) {
                    continue;
                }
                StringBuilder buf = new StringBuilder(c.text);
                boolean endOfLine = c.endOfLine;
                boolean emptyContinuation = false;
                while (!endOfLine && hasNext()) {
                    String rawNext = nextLine();
                    String text;
                    try {
                        text = processLine(rawNext, false).text;
                    } catch (ParseError e) {
                        throw error(currentLine + 1, e.getMessage(), rawNext);
                    }
                    currentLine++;
                    if (isComment(rawNext)) {
                        continue;
                    }
                    if (LineParsers.trimLeadingSpace(trimNewline(text)).isEmpty()) {
                        emptyContinuation = true;
                        continue;
                    }
                    Continuation cc = trimContinuation(text);
                    endOfLine = cc.endOfLine;
                    buf.append(cc.text);
                }
                String line = buf.toString();
                if (emptyContinuation) {
                    warnings.add(new ParseWarning("Empty continuation line found in: " + line,
                            "Empty continuation lines will become errors in a future release", EMPTY_CONTINUATION_URL, currentLine));
                }
                Node child;
                try {
                    child = LineParsers.nodeFromLine(line, escape, comments);
                } catch (ParseError e) {
                    throw error(startLine, e.getMessage(), line);
                }
                if (canContainHeredoc(child) && line.contains("<<")) {
                    readHeredocs(child, line, startLine);
                }
                root.addChild(child, startLine, currentLine);
                comments.clear();
            }
            if (root.startLine() < 0) {
                throw error(Math.max(currentLine, 1), "file with no instructions", null);
            }
            return new ParseResult(file, root, new Directives(syntax, escape, check), warnings);
        }

        private void readHeredocs(Node child, String line, int startLine) {
            List<Heredoc> heredocs;
            try {
                heredocs = heredocsFromLine(line);
            } catch (RuntimeException e) {
                throw error(startLine, e.getMessage(), line);
            }
            for (Heredoc heredoc : heredocs) {
                boolean terminated = false;
                StringBuilder content = new StringBuilder(heredoc.content());
                while (hasNext()) {
                    String raw = nextLine();
                    currentLine++;
                    String candidate = trimNewline(raw);
                    if (heredoc.chomp()) {
                        candidate = candidate.replaceFirst("^\t+", "");
                    }
                    if (candidate.equals(heredoc.name())) {
                        terminated = true;
                        break;
                    }
                    content.append(raw);
                }
                if (!terminated) {
                    throw error(startLine, "unterminated heredoc", line);
                }
                child.addHeredoc(heredoc.withContent(content.toString()));
            }
        }

        private SourceException error(int line, String detail, String lineText) {
            return new SourceException(SourceLocation.of(file, line), detail, lineText == null ? null : trimNewline(lineText));
        }

        private record ProcessedLine(String text, boolean directive) {
        }

        private ProcessedLine processLine(String token, boolean stripLeft) {
            token = trimNewline(token);
            if (stripLeft) {
                token = LineParsers.trimLeadingSpace(token);
            }
            DirectiveParser.Directive d = directiveParser.parseLine(token);
            boolean ok = false;
            if (d != null) {
                ok = true;
                switch (d.name()) {
                    case "escape" -> {
                        if (!d.value().equals("`") && !d.value().equals("\\")) {
                            throw new ParseError("invalid escape token '" + d.value() + "' does not match ` or \\");
                        }
                        escape = d.value().charAt(0);
                        continuation = continuationPattern(escape);
                    }
                    case "syntax" -> syntax = d.value();
                    case "check" -> check = d.value();
                    default -> {
                    }
                }
            }
            return new ProcessedLine(isComment(token) ? "" : token, ok);
        }

        private record Continuation(String text, boolean endOfLine) {
        }

        private Continuation trimContinuation(String line) {
            Matcher m = continuation.matcher(line);
            if (m.find()) {
                return new Continuation(m.replaceAll("$1"), false);
            }
            return new Continuation(line, true);
        }
    }

    private static Pattern continuationPattern(char escape) {
        String q = Pattern.quote(String.valueOf(escape));
        String notEscape = escape == '\\' ? "[^\\\\]" : "[^`]";
        return Pattern.compile("(" + notEscape + ")" + q + "[ \\t]*\\z|^" + q + "[ \\t]*\\z", Pattern.DOTALL);
    }

    static boolean isComment(String line) {
        String t = LineParsers.trimLeadingSpace(line);
        return !t.isEmpty() && t.charAt(0) == '#';
    }

    static String trimNewline(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }

    private static boolean canContainHeredoc(Node node) {
        Node target = node;
        if (node.value().equalsIgnoreCase("onbuild") && node.next() != null && !node.next().children().isEmpty()) {
            target = node.next().children().getFirst();
        }
        return HEREDOC_KEYWORDS.contains(target.value().toLowerCase(Locale.ROOT)) && !target.isJson();
    }

    /** The heredocs introduced on {@code line}, content still empty. */
    static List<Heredoc> heredocsFromLine(String line) {
        List<String> words;
        try {
            words = HeredocWords.LINE_LEX.processWords(line, dev.kiln.dockerfile.shell.Env.empty());
        } catch (dev.kiln.dockerfile.shell.ShellExpansionException e) {
            words = List.of();
        }
        List<Heredoc> docs = new ArrayList<>();
        for (String word : words) {
            Heredoc h = parseHeredoc(word);
            if (h != null) {
                docs.add(h);
            }
        }
        return docs;
    }

    /**
     * The heredoc that {@code word} introduces ({@code <<EOF}, {@code <<-"EOF"}, {@code 3<<EOF}),
     * or null when it is not a heredoc word.
     */
    public static Heredoc parseHeredoc(String word) {
        Matcher m = HEREDOC_WORD.matcher(word);
        if (!m.find()) {
            return null;
        }
        String rest = m.group(3);
        if (rest.isEmpty()) {
            return null;
        }
        int fd = 0;
        if (!m.group(1).isEmpty()) {
            try {
                fd = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                fd = 0;
            }
        }
        return HeredocWords.heredoc(rest, fd, m.group(2).equals("-"));
    }
}
