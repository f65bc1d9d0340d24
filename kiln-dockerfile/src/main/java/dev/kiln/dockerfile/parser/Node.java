package dev.kiln.dockerfile.parser;

import dev.kiln.common.SourceLocation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One node of the Dockerfile syntax tree, shaped like BuildKit's: the root's {@link #children()}
 * are the instructions; an instruction node's {@link #value()} is the keyword as written
 * ({@code RUN}, {@code from}), its {@link #flags()} the {@code --name=value} words, and its
 * arguments hang off {@link #next()} as a chain of value nodes. {@code ONBUILD}'s single argument
 * node has the inner instruction as its only child.
 *
 * <p>The parser builds nodes and then never changes them; consumers must treat them as
 * read-only. Lines are 1-based.
 */
public final class Node {
    private final String value;
    private Node next;
    private final List<Node> children = new ArrayList<>();
    private final List<Heredoc> heredocs = new ArrayList<>();
    private boolean json;
    private String original = "";
    private List<String> flags = List.of();
    private int startLine = -1;
    private int endLine = -1;
    private List<String> comments = List.of();

    Node(String value) {
        this.value = value == null ? "" : value;
    }

    Node(String value, Node next) {
        this(value);
        this.next = next;
    }

    /** The keyword of an instruction node, or the text of an argument node. */
    public String value() {
        return value;
    }

    /** The next argument, or null. */
    public Node next() {
        return next;
    }

    /** Instructions (for the root) or the sub-instruction (for ONBUILD's argument). */
    public List<Node> children() {
        return Collections.unmodifiableList(children);
    }

    public List<Heredoc> heredocs() {
        return Collections.unmodifiableList(heredocs);
    }

    /** True when the arguments were written as a JSON array (exec form). */
    public boolean isJson() {
        return json;
    }

    /** BuildKit's attribute map: {@code {"json": true}} for the exec form, empty otherwise. */
    public java.util.Map<String, Boolean> attributes() {
        return json ? java.util.Map.of("json", true) : java.util.Map.of();
    }

    /** The logical line as read (continuations joined, comments removed), before splitting. */
    public String original() {
        return original;
    }

    /** The {@code --flag[=value]} words before the arguments, quotes removed. */
    public List<String> flags() {
        return flags;
    }

    public int startLine() {
        return startLine;
    }

    public int endLine() {
        return endLine;
    }

    /** The comment lines directly above the instruction ({@code #} and surrounding space removed). */
    public List<String> comments() {
        return comments;
    }

    /** The values of the argument chain ({@link #next()}, its next, ...). */
    public List<String> argValues() {
        List<String> out = new ArrayList<>();
        for (Node n = next; n != null; n = n.next) {
            out.add(n.value);
        }
        return out;
    }

    /** The location of this node's first line in {@code file}. */
    public SourceLocation location(String file) {
        return SourceLocation.of(file, Math.max(startLine, 1));
    }

    void setNext(Node n) {
        this.next = n;
    }

    void addChild(Node child) {
        children.add(child);
    }

    void addChild(Node child, int start, int end) {
        child.startLine = start;
        child.endLine = end;
        if (startLine < 0) {
            startLine = start;
        }
        endLine = end;
        children.add(child);
    }

    void addHeredoc(Heredoc h) {
        heredocs.add(h);
    }

    void setJson(boolean json) {
        this.json = json;
    }

    void setOriginal(String original) {
        this.original = original;
    }

    void setFlags(List<String> flags) {
        this.flags = List.copyOf(flags);
    }

    void setComments(List<String> comments) {
        this.comments = List.copyOf(comments);
    }

    @Override
    public String toString() {
        return AstDumper.dump(this);
    }
}
