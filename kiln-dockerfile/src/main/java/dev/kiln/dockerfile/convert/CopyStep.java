package dev.kiln.dockerfile.convert;

import dev.kiln.common.SourceException;
import dev.kiln.common.SourceLocation;
import dev.kiln.dockerfile.instructions.AddInstruction;
import dev.kiln.dockerfile.instructions.CopyInstruction;
import dev.kiln.dockerfile.instructions.Instruction;
import dev.kiln.dockerfile.instructions.SourceContent;
import dev.kiln.dockerfile.instructions.WordExpander;
import dev.kiln.llb.Edge;
import dev.kiln.llb.FileAction;
import dev.kiln.llb.FileOp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * COPY and ADD: one file op on the stage's file system with a copy action per source (and a
 * file per heredoc source). Sources come from the build context, or with {@code --from} from
 * a stage, an image or a named context. ADD also unpacks local tar archives.
 */
final class CopyStep {
    private final StageConverter sc;

    CopyStep(StageConverter sc) {
        this.sc = sc;
    }

    void copy(CopyInstruction raw) {
        WordExpander e = sc.expander();
        CopyInstruction c = raw.expand(e).expandContents(sc.heredocExpander());
        convert(c, "COPY", c.sources(), c.contents(), c.dest(), c.from(), c.chown(), c.chmod(), c.parents(),
                c.excludes(), false);
    }

    void add(AddInstruction raw) {
        WordExpander e = sc.expander();
        AddInstruction a = raw.expand(e).expandContents(sc.heredocExpander());
        for (String s : a.sources()) {
            if (s.matches("(?i)^(https?|git)://.*") || s.matches("^git@.*")) {
                throw new SourceException(a.location(), "ADD from a URL (" + s + ") is not supported yet", a.original());
            }
        }
        boolean unpack = a.unpack() == null || a.unpack();
        convert(a, "ADD", a.sources(), a.contents(), a.dest(), null, a.chown(), a.chmod(), false, a.excludes(), unpack);
    }

    private void convert(Instruction i, String keyword, List<String> sources, List<SourceContent> contents, String rawDest,
                         String from, String chown, String chmod, boolean parents, List<String> excludes, boolean unpack) {
        StageState st = sc.state;
        SourceLocation loc = i.location();
        int count = sources.size() + contents.size();
        if (count == 0) {
            throw new SourceException(loc, keyword + " requires at least two arguments", i.original());
        }
        String dest = sc.resolvePath(rawDest);
        if (count > 1 && !dest.endsWith("/")) {
            throw new SourceException(loc, "When using " + keyword
                    + " with more than one source file, the destination must be a directory and end with a /", i.original());
        }
        if (chmod != null) {
            try {
                if (!chmod.matches("[0-7]{1,4}") && !chmod.matches("([ugoa]*[-+=][rwxXst]*)(,[ugoa]*[-+=][rwxXst]*)*")) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException ex) {
                throw new SourceException(loc, "invalid chmod parameter: " + chmod, i.original());
            }
        }
        List<Edge> inputs = new ArrayList<>();
        st.fs.ifPresent(inputs::add);
        int base = st.fs.isPresent() ? 0 : -1;
        List<FileAction> actions = new ArrayList<>();
        FileAction.Chown owner = chown == null || chown.isEmpty() ? null : StageConverter.chown(chown);
        if (!sources.isEmpty()) {
            Edge src = sc.conv.stageOrContext(sc, from, loc, i.original());
            int idx = indexOf(inputs, src);
            boolean fromContext = from == null || from.isEmpty();
            for (String s : sources) {
                if (fromContext && sc.conv.ignored.excludes(s)) {
                    sc.conv.checks.add("CopyIgnoredFile", "Attempting to " + keyword.charAt(0)
                            + keyword.substring(1).toLowerCase(java.util.Locale.ROOT) + " file \"" + s
                            + "\" that is excluded by .dockerignore", loc);
                }
                String path = "/" + s;
                actions.add(new FileAction.Copy(idx, path, dest, owner, chmod, true, true, true, true,
                        false, null, excludes, parents, null, unpack && fromContext));
            }
        }
        for (SourceContent content : contents) {
            String target = dest.endsWith("/") ? dest + content.path() : dest;
            int mode = chmod != null && chmod.matches("[0-7]{1,4}") ? Integer.parseInt(chmod, 8) : 0644;
            actions.add(new FileAction.Mkfile(target, mode, content.data().getBytes(StandardCharsets.UTF_8), owner, null));
        }
        FileOp op = new FileOp(base, actions);
        st.fs = Optional.of(sc.conv.builder.add(op, inputs, sc.meta(i)));
        sc.history(keyword + " " + String.join(" ", sources) + (contents.isEmpty() ? "" : " <<heredoc>")
                + " " + rawDest + " # buildkit", true);
    }

    private static int indexOf(List<Edge> inputs, Edge e) {
        int i = inputs.indexOf(e);
        if (i >= 0) {
            return i;
        }
        inputs.add(e);
        return inputs.size() - 1;
    }
}
