package dev.kiln.cli;

import dev.kiln.engine.Engine;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kiln tag SOURCE TARGET}: another name for a stored image. */
@Command(name = "tag", description = "Give a stored image another name.", mixinStandardHelpOptions = true)
final class TagCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "SOURCE")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET")
    String target;

    @Override
    public Integer call() {
        try (Engine engine = main.openEngine()) {
            engine.registry().tag(CliReferences.parse(source), CliReferences.parse(target));
        }
        return 0;
    }
}
