package dev.kiln.dockerfile.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.dockerfile.ConformanceData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** BuildKit's shell/envVarTest and shell/wordsTest, one dynamic test per line. */
class ShellConformanceTest {
    private static final AtomicInteger PASSED = new AtomicInteger();
    private static final AtomicInteger TOTAL = new AtomicInteger();

    @AfterAll
    static void report() {
        System.out.printf("shell conformance: %d of %d cases passed%n", PASSED.get(), TOTAL.get());
    }

    @TestFactory
    Stream<DynamicTest> envVarTest() throws IOException {
        Path file = ConformanceData.buildkitDockerfile().resolve("shell/envVarTest");
        Env env = Env.fromEntries(List.of("PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="));
        ShellLex lex = new ShellLex('\\');
        List<DynamicTest> tests = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.strip().split("\\|", -1);
            assertThat(f).as("line %d", i + 1).hasSize(3);
            String platform = f[0].strip();
            if (platform.equals("W")) {
                continue;
            }
            String source = f[1].strip();
            String expected = f[2].strip();
            int lineNo = i + 1;
            TOTAL.incrementAndGet();
            tests.add(DynamicTest.dynamicTest("envVarTest:" + lineNo + " " + source, () -> {
                if (expected.equals("error")) {
                    assertThatThrownBy(() -> lex.processWord(source, env)).isInstanceOf(ShellExpansionException.class);
                } else {
                    assertThat(lex.processWord(source, env)).isEqualTo(expected);
                }
                PASSED.incrementAndGet();
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> wordsTest() throws IOException {
        Path file = ConformanceData.buildkitDockerfile().resolve("shell/wordsTest");
        List<String> envEntries = new ArrayList<>();
        ShellLex lex = new ShellLex('\\');
        List<DynamicTest> tests = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("ENV ")) {
                envEntries.add(line.substring(3).replaceFirst("^ +", ""));
                continue;
            }
            String[] f = line.split("\\|", -1);
            assertThat(f).as("line %d", i + 1).hasSize(2);
            String source = f[0].strip();
            List<String> expected = Arrays.asList(f[1].replaceFirst("^ +", "").split(",", -1));
            Env env = Env.fromEntries(List.copyOf(envEntries));
            int lineNo = i + 1;
            TOTAL.incrementAndGet();
            tests.add(DynamicTest.dynamicTest("wordsTest:" + lineNo + " " + source, () -> {
                List<String> actual;
                try {
                    actual = lex.processWords(source, env);
                } catch (ShellExpansionException e) {
                    actual = List.of("error");
                }
                assertThat(actual).isEqualTo(expected);
                PASSED.incrementAndGet();
            }));
        }
        return tests.stream();
    }
}
