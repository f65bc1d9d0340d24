package dev.kiln.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IgnorePatternsTest {
    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "**|file|true", "**|file/|true", "**/|file|true", "**|dir/file|true", "**/**|dir/file|true",
        "dir/**|dir/file|true", "dir/**|dir/dir2/file|true", "**/dir|dir|true", "**/dir|dir/file|true",
        "**/dir2/*|dir/dir2/file|true", "**/dir2/**|dir/dir2/dir3/file|true", "**file|file|true", "**file|dir/file|true",
        "**file|dir/xfile|true", "**/file|dir/dir/file|true", "**/file*|dir/dir/file.txt|true", "**/file*txt|dir/dir/file.txt|true",
        "**/**/*.txt|dir/dir/file.txt|true", "**/**/*.txt2|dir/dir/file.txt|false", "**/*.txt|file.txt|true",
        "a**/*.txt|a/dir/dir/file.txt|true", "a/*.txt|a/dir/file.txt|false", "a/*.txt|a/file.txt|true",
        "a/*.txt**|a/file.txt|true", "a[b-d]e|ae|false", "a[b-d]e|ace|true", "a[b-d]e|aae|false", "a[^b-d]e|aze|true",
        "a[^b-d]e|ace|false", ".*|.foo|true", ".*|foo|false", "abc.def|abcdef|false", "abc.def|abc.def|true",
        "abc?def|abcZdef|true", "abc?def|abcdef|false", "abc?def|abc/def|false", "'a\\\\'|'a\\'|true", "**/foo/bar|foo/bar|true",
        "**/foo/bar|dir/dir2/foo/bar|true", "abc/**|abc|false", "abc/**|abc/def/ghi|true", "**/.foo|.foo|true",
        "**/.foo|bar.foo|false", "a(b)c/def|a(b)c/def|true", "a(b)c/def|a(b)c/xyz|false",
        "dist/*.whl|dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl|true", "'a\\*b'|a*b|true", "'a\\*b'|axb|false",
        "*|a/b|true", "*/b|a/b/c|true", "a|b/a|false", "a/b|a/b/c/d|true", "[[]x|[x|true", "x[&&]y|x&y|true",
        "'\\#notes'|#notes|true", "node_modules|node_modules/x/y.js|true", "*.md|docs/README.md|false",
        "**/*.md|docs/README.md|true", "/build/|build/out|true", "./tmp|tmp|true", "a/../b|b/c|true",
    })
    void singlePatternMatches(String pattern, String path, boolean expected) {
        assertThat(IgnorePatterns.parse(pattern).excluded(path)).isEqualTo(expected);
    }

    @Test
    void laterPatternsOverrideEarlierOnes() {
        assertThat(IgnorePatterns.of(List.of("a.|)$(}+{bc")).excluded("a.|)$(}+{bc")).isTrue();
        assertThat(IgnorePatterns.of(List.of("**", "!util/docker/web")).excluded("util/docker/web/foo")).isFalse();
        assertThat(IgnorePatterns.of(List.of("**", "!util/docker/web", "util/docker/web/foo")).excluded("util/docker/web/foo")).isTrue();
        assertThat(IgnorePatterns.of(List.of("**", "!dist/*.whl")).excluded("dist/a-1.whl")).isFalse();
        IgnorePatterns p = IgnorePatterns.parse("*.md\n!README.md\nREADME.md\n");
        assertThat(p.excluded("README.md")).isTrue();
        IgnorePatterns q = IgnorePatterns.parse("*.md\n!README*.md\nREADME-secret.md\n");
        assertThat(q.excluded("README.md")).isFalse();
        assertThat(q.excluded("README-secret.md")).isTrue();
        assertThat(q.excluded("CHANGES.md")).isTrue();
        assertThat(q.excluded("main.go")).isFalse();
    }

    @Test
    void parseHandlesCommentsBlanksSlashesAndBom() {
        IgnorePatterns p = IgnorePatterns.parse("\uFEFF# comment\n\n  /build//out/  \n!./keep/../keep/me\r\n  # not a comment: a pattern\n*.log\n");
        assertThat(p.patterns()).containsExactly("build/out", "!keep/me", "# not a comment: a pattern", "*.log");
        assertThat(p.hasExceptions()).isTrue();
        assertThat(p.excluded("build/out/x")).isTrue();
        assertThat(p.excluded("build/other")).isFalse();
        assertThat(IgnorePatterns.parse("# only\n\n").isEmpty()).isTrue();
        assertThat(IgnorePatterns.parse("!  /x").patterns()).containsExactly("!x");
    }

    @Test
    void rootIsNeverExcluded() {
        IgnorePatterns all = IgnorePatterns.of(List.of("*", "**"));
        assertThat(all.excluded(".")).isFalse();
        assertThat(all.excluded("")).isFalse();
        assertThat(all.excluded("/")).isFalse();
        assertThat(all.excluded("./a")).isTrue();
        assertThat(all.excluded("/a")).isTrue();
    }

    @Test
    void malformedPatternsAreRejected() {
        assertThatThrownBy(() -> IgnorePatterns.parse("!\n")).hasMessageContaining("illegal exclusion pattern");
        assertThatThrownBy(() -> IgnorePatterns.of(List.of("[a-"))).hasMessageContaining("syntax error in pattern");
        assertThatThrownBy(() -> IgnorePatterns.of(List.of("a["))).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> IgnorePatterns.of(List.of("[]a]"))).hasMessageContaining("bad character class");
        assertThatThrownBy(() -> IgnorePatterns.of(List.of("ab\\"))).hasMessageContaining("trailing backslash");
        assertThatThrownBy(() -> IgnorePatterns.of(List.of("[z-a]"))).hasMessageContaining("syntax error in pattern");
        assertThat(IgnorePatterns.of(List.of("[\\-]x")).excluded("-x")).isTrue();
        assertThat(IgnorePatterns.of(List.of("[\\-]x")).excluded("ax")).isFalse();
    }

    @Test
    void directorySkipping() {
        IgnorePatterns p = IgnorePatterns.of(List.of("node_modules", "build", "!build/keep.txt", "vendor", "!**/LICENSE"));
        assertThat(p.canSkipDirectory("node_modules")).isFalse(); // !**/LICENSE may re-include below
        IgnorePatterns q = IgnorePatterns.of(List.of("node_modules", "build", "!build/keep.txt", "*.tmp", "!x*/y"));
        assertThat(q.canSkipDirectory("node_modules")).isTrue();
        assertThat(q.canSkipDirectory("build")).isFalse();
        assertThat(q.excluded("build/other")).isTrue();
        assertThat(q.excluded("build/keep.txt")).isFalse();
        assertThat(q.canSkipDirectory("src")).isFalse(); // not excluded at all
        assertThat(q.canSkipDirectory("xdir.tmp")).isFalse(); // !x*/y could match xdir.tmp/y
        assertThat(q.excluded("xdir.tmp/y")).isFalse();
        assertThat(q.canSkipDirectory("adir.tmp")).isTrue();
        IgnorePatterns none = IgnorePatterns.of(List.of("a"));
        assertThat(none.hasExceptions()).isFalse();
        assertThat(none.canSkipDirectory("a")).isTrue();
    }

    @Test
    void locatePrefersDockerfileSpecificIgnore(@TempDir Path dir) throws IOException {
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Path df = Files.writeString(Files.createDirectories(dir.resolve("files")).resolve("Dockerfile.dev"), "FROM x\n");
        assertThat(IgnorePatterns.locate(context, df)).isEqualTo(context.resolve(".dockerignore"));
        assertThat(IgnorePatterns.load(context, df).isEmpty()).isTrue();
        Files.writeString(context.resolve(".dockerignore"), "a\n");
        assertThat(IgnorePatterns.load(context, df).patterns()).containsExactly("a");
        Path specific = Files.writeString(dir.resolve("files/Dockerfile.dev.dockerignore"), "b\n!c\n");
        assertThat(IgnorePatterns.locate(context, df)).isEqualTo(specific);
        assertThat(IgnorePatterns.load(context, df).patterns()).containsExactly("b", "!c");
        Files.writeString(specific, "[oops\n");
        assertThatThrownBy(() -> IgnorePatterns.load(context, df)).hasMessageContaining("Dockerfile.dev.dockerignore");
    }

    @Test
    void cleanPathLikeGo() {
        assertThat(IgnorePatterns.cleanPath("")).isEqualTo(".");
        assertThat(IgnorePatterns.cleanPath("./a//b/./c/..")).isEqualTo("a/b");
        assertThat(IgnorePatterns.cleanPath("../a/../..")).isEqualTo("../..");
        assertThat(IgnorePatterns.cleanPath("/../a/")).isEqualTo("/a");
        assertThat(IgnorePatterns.cleanPath("a/..")).isEqualTo(".");
    }

    // Randomised properties over generated pattern sets and paths (fixed seeds: reproducible).

    private static final String[] SEGMENTS = {"a", "b", "ab", "x.md", "*", "*.md", "?", "a*", "**", "[ab]", "[^a]"};
    private static final String[] NAMES = {"a", "b", "ab", "x.md", "y.md", "c", "ba"};

    private static String randomPattern(Random r) {
        int n = 1 + r.nextInt(3);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            parts.add(SEGMENTS[r.nextInt(SEGMENTS.length)]);
        }
        return (r.nextInt(4) == 0 ? "!" : "") + String.join("/", parts);
    }

    private static String randomPath(Random r, int depth) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            parts.add(NAMES[r.nextInt(NAMES.length)]);
        }
        return String.join("/", parts);
    }

    @Test
    void propertySkippedDirectoriesContainOnlyExcludedPaths() {
        Random r = new Random(20261127);
        int skipped = 0;
        for (int round = 0; round < 3000; round++) {
            List<String> patterns = new ArrayList<>();
            for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                patterns.add(randomPattern(r));
            }
            if (patterns.getFirst().equals("!")) {
                continue;
            }
            IgnorePatterns p = IgnorePatterns.of(patterns);
            String dir = randomPath(r, 1 + r.nextInt(2));
            if (!p.canSkipDirectory(dir)) {
                continue;
            }
            skipped++;
            for (int k = 0; k < 20; k++) {
                String below = dir + "/" + randomPath(r, 1 + r.nextInt(3));
                assertThat(p.excluded(below)).as("patterns %s, dir %s, path %s", patterns, dir, below).isTrue();
            }
        }
        assertThat(skipped).as("the generator must produce skippable directories").isGreaterThan(100);
    }

    @Test
    void propertyLastMatchingPatternDecides() {
        Random r = new Random(42);
        for (int round = 0; round < 3000; round++) {
            List<String> patterns = new ArrayList<>();
            for (int i = 0, n = r.nextInt(4); i < n; i++) {
                patterns.add(randomPattern(r));
            }
            String path = randomPath(r, 1 + r.nextInt(3));
            // a final literal pattern naming the path itself, or its parent, decides
            boolean exception = r.nextBoolean();
            String target = r.nextBoolean() || !path.contains("/") ? path : path.substring(0, path.lastIndexOf('/'));
            patterns.add((exception ? "!" : "") + target);
            assertThat(IgnorePatterns.of(patterns).excluded(path)).as("patterns %s path %s", patterns, path).isEqualTo(!exception);
        }
    }

    @Test
    void propertyReparsingPatternsGivesSameDecisions() {
        Random r = new Random(7);
        for (int round = 0; round < 1000; round++) {
            List<String> patterns = new ArrayList<>();
            for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                patterns.add((r.nextBoolean() ? "/" : "./") + randomPattern(r).replace("!", ""));
            }
            IgnorePatterns a = IgnorePatterns.parse(String.join("\n", patterns));
            IgnorePatterns b = IgnorePatterns.of(a.patterns());
            for (int k = 0; k < 10; k++) {
                String path = randomPath(r, 1 + r.nextInt(3));
                assertThat(b.excluded(path)).isEqualTo(a.excluded(path));
            }
        }
    }
}
