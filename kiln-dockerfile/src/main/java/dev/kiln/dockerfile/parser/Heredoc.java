package dev.kiln.dockerfile.parser;

/**
 * One here-document attached to a RUN, COPY or ADD line ({@code <<EOF ... EOF}).
 *
 * @param name           the delimiter word with quotes removed ({@code EOF})
 * @param fileDescriptor the file descriptor written before {@code <<} ({@code 2<<EOF}), 0 when absent
 * @param expand         false when any part of the delimiter was quoted ({@code <<"EOF"},
 *                       {@code <<'EOF'}): the content is then taken literally, without variable
 *                       expansion
 * @param chomp          true for {@code <<-EOF}: leading tabs are stripped from the content lines
 *                       (and from the terminator line, which is matched after stripping)
 * @param content        the lines between the introducing line and the terminator, each with its
 *                       line ending; tabs are not yet stripped (see {@link #chompedContent()})
 */
public record Heredoc(String name, int fileDescriptor, boolean expand, boolean chomp, String content) {
    public Heredoc {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("heredoc needs a delimiter name");
        }
        content = content == null ? "" : content;
    }

    Heredoc withContent(String newContent) {
        return new Heredoc(name, fileDescriptor, expand, chomp, newContent);
    }

    /** The content with leading tabs removed from every line when {@link #chomp()} is set. */
    public String chompedContent() {
        return chomp ? chompContent(content) : content;
    }

    /** Removes the leading tabs of every line of {@code text}. */
    public static String chompContent(String text) {
        return text.replaceAll("(?m)^\t+", "");
    }
}
