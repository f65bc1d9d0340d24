package dev.kiln.dockerfile.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class ShellLexTest {
    private static final ShellLex LEX = new ShellLex('\\');
    private static final Env ENV = Env.of(Map.of("V", "value", "EMPTY", "", "P", "/usr/local/bin/app.tar.gz", "S", "a b  c"));

    private static String w(String word) {
        return LEX.processWord(word, ENV);
    }

    @Test
    void plainAndBracedVariables() {
        assertThat(w("$V")).isEqualTo("value");
        assertThat(w("${V}x")).isEqualTo("valuex");
        assertThat(w("$Vx")).isEqualTo("");
        assertThat(w("$UNSET-")).isEqualTo("-");
        assertThat(w("$")).isEqualTo("$");
        assertThat(w("a$ b")).isEqualTo("a$ b");
        assertThat(w("$1x")).isEqualTo("x");
    }

    @Test
    void defaultAndAlternative() {
        assertThat(w("${V:-d}")).isEqualTo("value");
        assertThat(w("${EMPTY:-d}")).isEqualTo("d");
        assertThat(w("${EMPTY-d}")).isEqualTo("");
        assertThat(w("${UNSET-d}")).isEqualTo("d");
        assertThat(w("${UNSET:-$V}")).isEqualTo("value");
        assertThat(w("${V:+alt}")).isEqualTo("alt");
        assertThat(w("${EMPTY:+alt}")).isEqualTo("");
        assertThat(w("${EMPTY+alt}")).isEqualTo("alt");
        assertThat(w("${UNSET+alt}")).isEqualTo("");
    }

    @Test
    void requiredVariables() {
        assertThat(w("${V:?must}")).isEqualTo("value");
        assertThat(w("${EMPTY?must}")).isEqualTo("");
        assertThatThrownBy(() -> w("${EMPTY:?must be set}")).isInstanceOf(ShellExpansionException.class)
                .hasMessageContaining("EMPTY: must be set");
        assertThatThrownBy(() -> w("${UNSET?}")).hasMessageContaining("UNSET: is not allowed to be unset");
        assertThatThrownBy(() -> w("${EMPTY:?}")).hasMessageContaining("EMPTY: is not allowed to be empty");
        assertThatThrownBy(() -> w("${UNSET:?no $V}")).hasMessageContaining("UNSET: no value")
                .hasMessageStartingWith("failed to process \"${UNSET:?no $V}\"");
    }

    @Test
    void prefixAndSuffixTrimming() {
        assertThat(w("${P#*/}")).isEqualTo("usr/local/bin/app.tar.gz");
        assertThat(w("${P##*/}")).isEqualTo("app.tar.gz");
        assertThat(w("${P%.*}")).isEqualTo("/usr/local/bin/app.tar");
        assertThat(w("${P%%.*}")).isEqualTo("/usr/local/bin/app");
        assertThat(w("${P#nomatch}")).isEqualTo("/usr/local/bin/app.tar.gz");
        assertThat(w("${UNSET#x}")).isEqualTo("");
        assertThat(w("${UNSET%%x}")).isEqualTo("");
        assertThat(w("${P%/*/*}")).isEqualTo("/usr/local");
        assertThat(w("${P#/usr/?ocal}")).isEqualTo("/bin/app.tar.gz");
        assertThatThrownBy(() -> w("${P:#x}")).hasMessageContaining("unsupported modifier (:#) in substitution");
        assertThatThrownBy(() -> w("${P#\\x}")).hasMessageContaining("invalid escape");
    }

    @Test
    void substitution() {
        assertThat(w("${P/local/opt}")).isEqualTo("/usr/opt/bin/app.tar.gz");
        assertThat(w("${P//\\//:}")).isEqualTo(":usr:local:bin:app.tar.gz");
        assertThat(w("${P/a*/X}")).isEqualTo("/usr/locX");
        assertThat(w("${V//?/-}")).isEqualTo("-----");
        assertThat(w("${V/nomatch/x}")).isEqualTo("value");
        assertThat(w("${UNSET/a/b}")).isEqualTo("");
        assertThatThrownBy(() -> w("${V/a/b")).hasMessageContaining("missing '}'");
        assertThatThrownBy(() -> w("${V/a}")).hasMessageContaining("missing '/' in ${}");
    }

    @Test
    void syntaxErrors() {
        assertThatThrownBy(() -> w("${")).hasMessageContaining("missing '}'");
        assertThatThrownBy(() -> w("${}")).hasMessageContaining("bad substitution");
        assertThatThrownBy(() -> w("${:a}")).hasMessageContaining("bad substitution");
        assertThatThrownBy(() -> w("${V")).isInstanceOf(ShellExpansionException.class);
        assertThatThrownBy(() -> w("${V:x}")).hasMessageContaining("unsupported modifier (:x)");
        assertThatThrownBy(() -> w("${V^}")).hasMessageContaining("unsupported modifier (^)");
        assertThatThrownBy(() -> w("'abc")).hasMessageContaining("matching single-quote");
        assertThatThrownBy(() -> w("\"abc")).hasMessageContaining("matching double-quote");
    }

    @Test
    void quotingAndEscapes() {
        assertThat(w("'$V'")).isEqualTo("$V");
        assertThat(w("\"$V\"")).isEqualTo("value");
        assertThat(w("\\$V")).isEqualTo("$V");
        assertThat(w("\"\\$V\"")).isEqualTo("$V");
        assertThat(w("\"a\\b\"")).isEqualTo("a\\b");
        assertThat(w("a\\")).isEqualTo("a");
        assertThat(LEX.processWords("a \"b c\" 'd e' f\\ g $S", ENV)).containsExactly("a", "b c", "d e", "f g", "a", "b", "c");
        assertThat(LEX.processWords("\"$S\"", ENV)).containsExactly("a b  c");
        assertThat(LEX.processWords("x$S\"y\"", ENV)).containsExactly("xa", "b", "cy");
    }

    @Test
    void backtickEscape() {
        ShellLex lex = new ShellLex('`');
        assertThat(lex.escape()).isEqualTo('`');
        assertThat(lex.processWord("`$V c:\\dir", ENV)).isEqualTo("$V c:\\dir");
        assertThat(lex.processWord("\"`\"\"", ENV)).isEqualTo("\"");
    }

    @Test
    void rawModesKeepQuotesAndEscapes() {
        assertThat(LEX.withRawQuotes(true).processWord("'a' \"$V\"", ENV)).isEqualTo("'a' \"value\"");
        assertThat(LEX.withRawEscapes(true).processWord("a\\ b", ENV)).isEqualTo("a\\ b");
        assertThat(LEX.withSkipUnsetEnv(true).processWord("$UNSET ${UNSET} ${UNSET:-x} $V", ENV))
                .isEqualTo("$UNSET ${UNSET} ${UNSET:-x} value");
        assertThat(LEX.withSkipProcessQuotes(true).processWord("'$V'", ENV)).isEqualTo("'value'");
    }

    @Test
    void reportsUsedAndUndefinedVariables() {
        ExpansionResult r = LEX.process("$V ${A:-$EMPTY} '$NOT' \"${B}\" ${V}", ENV);
        assertThat(r.result()).isEqualTo("value  '$NOT'  value".replace("'$NOT'", "$NOT"));
        assertThat(r.matched()).containsExactly("V", "EMPTY");
        assertThat(r.unmatched()).containsExactly("A", "B");
        assertThat(r.words()).containsExactly("value", "$NOT", "value");
    }

    @Test
    void envFromEntries() {
        Env env = Env.fromEntries(List.of("A=1", "B", "A=2", "C=x=y"));
        assertThat(env.get("A")).isEqualTo("2");
        assertThat(env.get("B")).isEmpty();
        assertThat(env.get("C")).isEqualTo("x=y");
        assertThat(env.get("D")).isNull();
    }

    @Property
    void singleQuotedTextIsLiteral(@ForAll @StringLength(max = 30) String text) {
        String body = text.replace("'", "");
        assertThat(LEX.processWord("'" + body + "'", ENV)).isEqualTo(body);
    }

    @Property
    void escapingEveryCharacterGivesTheTextBack(@ForAll @StringLength(max = 30) String text) {
        StringBuilder escaped = new StringBuilder();
        text.codePoints().forEach(cp -> escaped.append('\\').appendCodePoint(cp));
        assertThat(LEX.processWord(escaped.toString(), ENV)).isEqualTo(text);
    }

    @Property
    void definedVariableExpandsToItsValue(@ForAll @AlphaChars @StringLength(min = 1, max = 10) String name,
                                          @ForAll @StringLength(max = 20) String value) {
        Env env = Env.of(Map.of(name, value));
        ExpansionResult r = LEX.process("${" + name + "}", env);
        assertThat(r.result()).isEqualTo(value);
        assertThat(r.matched()).containsExactly(name);
        assertThat(LEX.processWord("${" + name + ":+set}", env)).isEqualTo(value.isEmpty() ? "" : "set");
    }

    @Property
    void wordsNeverContainUnquotedWhitespace(@ForAll @StringLength(max = 40) String text) {
        String input = text.replaceAll("[\"'\\\\$<]", "");
        for (String word : LEX.processWords(input, ENV)) {
            assertThat(word).isNotEmpty();
            assertThat(word.codePoints().noneMatch(ShellLex::isSpace)).isTrue();
        }
    }
}
