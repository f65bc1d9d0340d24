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
import dev.kiln.llb.MergeOp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * COPY and ADD: one file op on the stage's file system with a copy action per source (and a
 * file per heredoc source). Sources come from the build context, or with {@code --from} from
 * a stage, an image or a named context. ADD also unpacks local tar archives and fetches
 * http(s) URLs (a source op per URL, {@code --checksum} verified by the worker) and git
 * repositories.
 *
 * <p>{@code --link}, as in BuildKit: the file op copies onto an empty tree (it reads nothing of
 * the stage: its inputs are the sources alone) and a {@link MergeOp} stacks that tree on the
 * stage. The copy's cache key and layer therefore do not depend on the base or on earlier
 * steps; a destination under a symlink of the base is not followed (the new layer holds real
 * directories, which replace the symlink), and the destination's parent directories are the
 * ones the copy creates (mode 0755, root or the {@code --chown} owner), replacing the base's
 * metadata of those directories. Owners in {@code --chown} must then be numeric ids (or
 * {@code root}): names cannot be looked up in the stage's /etc/passwd, and BuildKit rejects
 * them too. With {@code --chmod}, BuildKit does not link and neither does Kiln: the copy is a
 * plain one onto the stage. On an empty stage the copy onto an empty tree is the whole result.
 */
final class CopyStep {
    private final StageConverter sc;
    private String checksum;
    private boolean keepGitDir;

    CopyStep(StageConverter sc) {
        this.sc = sc;
    }

    void copy(CopyInstruction raw) {
        WordExpander e = sc.expander();
        CopyInstruction c = raw.expand(e).expandContents(sc.heredocExpander());
        for (String s : c.sources()) {
            if (isHttp(s) && (c.from() == null || c.from().isEmpty())) {
                throw new SourceException(c.location(), "source can't be a URL for COPY", c.original());
            }
        }
        convert(c, "COPY", c.sources(), c.contents(), c.dest(), c.from(), c.chown(), c.chmod(), c.parents(),
                c.excludes(), false, c.link());
    }

    void add(AddInstruction raw) {
        WordExpander e = sc.expander();
        AddInstruction a = raw.expand(e).expandContents(sc.heredocExpander());
        if (a.checksum() != null && a.sources().size() + a.contents().size() != 1) {
            throw new SourceException(a.location(), "checksum can't be specified for multiple sources", a.original());
        }
        if (a.checksum() != null && !a.sources().stream().allMatch(s -> isHttp(s) && !isGit(s))) {
            throw new SourceException(a.location(), "checksum can't be specified for non-HTTP(S) sources", a.original());
        }
        if (a.checksum() != null && !a.checksum().matches("sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128}")) {
            throw new SourceException(a.location(), "invalid checksum digest format: " + a.checksum(), a.original());
        }
        checksum = a.checksum();
        keepGitDir = a.keepGitDir() != null && a.keepGitDir();
        boolean unpack = a.unpack() == null || a.unpack();
        convert(a, "ADD", a.sources(), a.contents(), a.dest(), null, a.chown(), a.chmod(), false, a.excludes(), unpack,
                a.link());
    }

    static boolean isHttp(String src) {
        return src.regionMatches(true, 0, "http://", 0, 7) || src.regionMatches(true, 0, "https://", 0, 8);
    }

    static boolean isGit(String src) {
        return src.regionMatches(true, 0, "git://", 0, 6) || src.startsWith("git@")
                || (isHttp(src) && src.contains(".git") && src.matches("(?i)^https?://[^?#]*\\.git([#?].*)?$"));
    }

    /**
     * The file name BuildKit gives a downloaded file: the last element of the URL path, or none
     * when the path has no name (the worker then uses Content-Disposition, else {@code __unnamed__}).
     */
    static String urlFileName(String url) {
        try {
            String path = java.net.URI.create(url).getPath();
            if (path == null) {
                return "";
            }
            String base = path.endsWith("/") ? "" : path.substring(path.lastIndexOf('/') + 1);
            return base.equals(".") ? "" : base;
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /**
     * An ADD of a git repository ({@code URL[#ref[:subdir]]}): a git source op whose tree is the
     * checkout (without .git unless {@code --keep-git-dir}), copied into dest.
     */
    private Edge git(String src) {
        String url = src;
        String fragment = "";
        int hash = src.indexOf('#');
        if (hash >= 0) {
            url = src.substring(0, hash);
            fragment = src.substring(hash + 1);
        }
        String ref = fragment;
        String subdir = "";
        int colon = fragment.indexOf(':');
        if (colon >= 0) {
            ref = fragment.substring(0, colon);
            subdir = fragment.substring(colon + 1);
        }
        java.util.Map<String, String> attrs = new java.util.TreeMap<>();
        attrs.put("git.fullurl", url);
        if (keepGitDir) {
            attrs.put("git.keepgitdir", "true");
        }
        if (!subdir.isEmpty()) {
            attrs.put("git.subdir", subdir);
        }
        String remote = url.replaceFirst("^[a-zA-Z+]+://", "").replaceFirst("^git@([^:]+):", "$1/");
        String id = "git://" + remote + (ref.isEmpty() ? "" : "#" + ref);
        return sc.conv.builder.add(new dev.kiln.llb.SourceOp(id, attrs), List.of(), dev.kiln.llb.VertexMeta.named(src));
    }

    /** An ADD of a URL: the worker fetches it into a tree of one file (mode 0600), which is copied to dest. */
    private Edge http(String url) {
        java.util.Map<String, String> attrs = new java.util.TreeMap<>();
        if (checksum != null) {
            attrs.put("http.checksum", checksum);
        }
        String name = urlFileName(url);
        if (!name.isEmpty()) {
            attrs.put("http.filename", name);
        }
        return sc.conv.builder.add(new dev.kiln.llb.SourceOp(url, attrs), List.of(), dev.kiln.llb.VertexMeta.named(url));
    }

    private void convert(Instruction i, String keyword, List<String> sources, List<SourceContent> contents, String rawDest,
                         String from, String chown, String chmod, boolean parents, List<String> excludes, boolean unpack,
                         boolean link) {
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
        boolean linked = link && chmod == null;
        boolean merge = linked && st.fs.isPresent();
        List<Edge> inputs = new ArrayList<>();
        if (!merge) {
            st.fs.ifPresent(inputs::add);
        }
        int base = st.fs.isPresent() && !merge ? 0 : -1;
        List<FileAction> actions = new ArrayList<>();
        FileAction.Chown owner = chown == null || chown.isEmpty() ? null
                : linked ? linkedOwner(chown, loc, i.original()) : StageConverter.chown(chown);
        if (!sources.isEmpty()) {
            boolean fromContext = from == null || from.isEmpty();
            Edge src = sources.stream().allMatch(x -> isHttp(x) || isGit(x)) && keyword.equals("ADD") ? null
                    : sc.conv.stageOrContext(sc, from, loc, i.original());
            for (String s : sources) {
                if (keyword.equals("ADD") && isGit(s)) {
                    actions.add(new FileAction.Copy(indexOf(inputs, git(s)), "/", dest, owner, chmod, true, true, true,
                            false, false, null, null, false, null, false));
                    continue;
                }
                if (keyword.equals("ADD") && isHttp(s)) {
                    String name = urlFileName(s);
                    actions.add(new FileAction.Copy(indexOf(inputs, http(s)), name.isEmpty() ? "/*" : "/" + name, dest, owner,
                            chmod, true, false, true, name.isEmpty(), false, null, null, false, null, false));
                    continue;
                }
                int idx = indexOf(inputs, src);
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
        Edge copied = sc.conv.builder.add(op, inputs, sc.meta(i));
        st.fs = Optional.of(merge ? sc.conv.builder.add(new MergeOp(2), List.of(st.fs.get(), copied), sc.linkMeta(i)) : copied);
        sc.history(keyword + " " + String.join(" ", sources) + (contents.isEmpty() ? "" : " <<heredoc>")
                + " " + rawDest + " # buildkit", true);
    }

    /**
     * The owner of a linked copy: numeric ids as written, {@code root} as 0 (BuildKit's LLB
     * client maps it so); a name is an error, since the copy does not see the stage's
     * /etc/passwd and /etc/group.
     */
    static FileAction.Chown linkedOwner(String spec, SourceLocation loc, String line) {
        FileAction.Chown named = StageConverter.chown(spec);
        return new FileAction.Chown(linkedId(named.user(), spec, loc, line), linkedId(named.group(), spec, loc, line));
    }

    private static String linkedId(String id, String spec, SourceLocation loc, String line) {
        if (id == null) {
            return null;
        }
        if (id.equals("root")) {
            return "0";
        }
        if (!id.isEmpty() && id.chars().allMatch(Character::isDigit)) {
            return id;
        }
        throw new SourceException(loc, "--chown=" + spec + " with --link: \"" + id + "\" is not a numeric id; a linked copy"
                + " is made apart from the stage and cannot look names up in its /etc/passwd or /etc/group"
                + " (use numeric ids, or drop --link)", line);
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
