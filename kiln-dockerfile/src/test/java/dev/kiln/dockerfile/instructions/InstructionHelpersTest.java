package dev.kiln.dockerfile.instructions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The small parsers behind flags: Go durations, CSV mount fields, tmpfs sizes, spelling hints. */
class InstructionHelpersTest {
    @Test
    void goDurations() {
        assertThat(GoDuration.parse("0")).isEqualTo(Duration.ZERO);
        assertThat(GoDuration.parse("0ms")).isEqualTo(Duration.ZERO);
        assertThat(GoDuration.parse("1ms")).isEqualTo(Duration.ofMillis(1));
        assertThat(GoDuration.parse("50ns")).isEqualTo(Duration.ofNanos(50));
        assertThat(GoDuration.parse("1h2m3.5s")).isEqualTo(Duration.ofHours(1).plusMinutes(2).plusMillis(3500));
        assertThat(GoDuration.parse(".5s")).isEqualTo(Duration.ofMillis(500));
        assertThat(GoDuration.parse("1.s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(GoDuration.parse("-1.5m")).isEqualTo(Duration.ofSeconds(-90));
        assertThat(GoDuration.parse("3us")).isEqualTo(Duration.ofNanos(3000));
        assertThat(GoDuration.parse("3\u00b5s")).isEqualTo(Duration.ofNanos(3000));
        for (String bad : List.of("", "5", "s", "1x", "1..2s", ".s", "-", "1s2")) {
            assertThatThrownBy(() -> GoDuration.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("time: ");
        }
        assertThatThrownBy(() -> InstructionParser.parse("Dockerfile", "FROM a\nHEALTHCHECK --interval=50ns CMD x"))
                .hasMessageContaining("Interval \"interval\" cannot be less than 1ms");
    }

    @Test
    void csvFields() {
        assertThat(MountParser.csvFields("type=bind,target=/x")).containsExactly("type=bind", "target=/x");
        assertThat(MountParser.csvFields("\"target=/a,b\",ro")).containsExactly("target=/a,b", "ro");
        assertThat(MountParser.csvFields("\"a \"\"q\"\"\"")).containsExactly("a \"q\"");
        assertThat(MountParser.csvFields("")).containsExactly("");
        assertThat(MountParser.csvFields("a,,b")).containsExactly("a", "", "b");
        assertThatThrownBy(() -> MountParser.csvFields("\"open")).hasMessageContaining("quoted-field");
        assertThatThrownBy(() -> MountParser.csvFields("a\"b")).hasMessageContaining("bare \"");
    }

    @Test
    void ramSizes() {
        assertThat(MountParser.ramInBytes("size", "1024")).isEqualTo(1024);
        assertThat(MountParser.ramInBytes("size", "64m")).isEqualTo(64L << 20);
        assertThat(MountParser.ramInBytes("size", "1.5GiB")).isEqualTo(3L << 29);
        assertThat(MountParser.ramInBytes("size", "2 kb")).isEqualTo(2048);
        assertThatThrownBy(() -> MountParser.ramInBytes("size", "lots")).hasMessageContaining("invalid value for size: lots");
    }

    @Test
    void suggestions() {
        assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
        assertThat(Suggestions.distance("form", "from")).isEqualTo(1);
        assertThat(Suggestions.closest("FORM", Requests.KEYWORDS, false)).contains("FROM");
        assertThat(Suggestions.closest("form", Requests.KEYWORDS, false)).contains("from");
        assertThat(Suggestions.closest("Form", Requests.KEYWORDS, false)).contains("from");
        assertThat(Suggestions.closest("from", Requests.KEYWORDS, false)).isEmpty();
        assertThat(Suggestions.closest("zzzzzz", Requests.KEYWORDS, false)).isEmpty();
        assertThat(Suggestions.withHint("unknown flag: --chwon", "chwon", List.of("chown", "chmod"), true, "--"))
                .isEqualTo("unknown flag: --chwon (did you mean --chown?)");
    }

    @Test
    void flagsStopAtDoubleDash() {
        InstructionFlags f = new InstructionFlags(List.of("--link", "--", "--bogus"));
        f.bool("link");
        f.parse();
        assertThat(f.isTrue("link")).isTrue();
        InstructionFlags g = new InstructionFlags(List.of("-x"));
        assertThatThrownBy(g::parse).hasMessage("arg should start with -- : -x");
        InstructionFlags h = new InstructionFlags(List.of("--link="));
        h.bool("link");
        assertThatThrownBy(h::parse).hasMessage("missing a value on flag: --link");
        InstructionFlags k = new InstructionFlags(List.of("--exclude=a", "--exclude=b", "--link=FALSE"));
        k.strings("exclude");
        k.bool("link");
        k.parse();
        assertThat(k.values("exclude")).containsExactly("a", "b");
        assertThat(k.optionalBool("link")).isFalse();
        assertThat(k.used()).containsExactlyInAnyOrder("exclude", "link");
    }
}
