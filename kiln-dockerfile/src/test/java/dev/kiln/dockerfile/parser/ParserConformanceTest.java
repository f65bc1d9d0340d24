package dev.kiln.dockerfile.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.SourceException;
import dev.kiln.dockerfile.ConformanceData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** BuildKit's parser/testfiles (dump equals {@code result}) and testfiles-negative (rejected). */
class ParserConformanceTest {
    private static final AtomicInteger PASSED = new AtomicInteger();
    private static final AtomicInteger TOTAL = new AtomicInteger();

    @AfterAll
    static void report() {
        System.out.printf("parser conformance: %d of %d cases passed%n", PASSED.get(), TOTAL.get());
    }

    private static List<Path> cases(String dir) throws IOException {
        try (Stream<Path> s = Files.list(ConformanceData.buildkitDockerfile().resolve("parser").resolve(dir))) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> positiveCases() throws IOException {
        List<Path> cases = cases("testfiles");
        assertThat(cases).isNotEmpty();
        return cases.stream().map(dir -> {
            TOTAL.incrementAndGet();
            return DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                byte[] dockerfile = Files.readAllBytes(dir.resolve("Dockerfile"));
                String expected = Files.readString(dir.resolve("result"), StandardCharsets.UTF_8);
                ParseResult result = DockerfileParser.parse("Dockerfile", dockerfile);
                assertThat(AstDumper.dump(result.ast()) + "\n").isEqualTo(expected);
                PASSED.incrementAndGet();
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> negativeCases() throws IOException {
        List<Path> cases = cases("testfiles-negative");
        assertThat(cases).isNotEmpty();
        return cases.stream().map(dir -> {
            TOTAL.incrementAndGet();
            return DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                byte[] dockerfile = Files.readAllBytes(dir.resolve("Dockerfile"));
                assertThatThrownBy(() -> DockerfileParser.parse("Dockerfile", dockerfile))
                        .isInstanceOf(SourceException.class)
                        .hasMessageStartingWith("Dockerfile:");
                PASSED.incrementAndGet();
            });
        });
    }
}
