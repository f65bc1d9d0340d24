package dev.kiln.cli;

import dev.kiln.engine.Engine;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kiln rmi NAME...}: removes names from the local store (blobs go at the next prune). */
@Command(name = "rmi", description = "Remove images from the local store.", mixinStandardHelpOptions = true)
final class RmiCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<String> images;

    @Override
    public Integer call() {
        try (Engine engine = main.openEngine()) {
            for (String i : images) {
                var ref = CliReferences.parse(i);
                engine.registry().remove(ref);
                System.out.println("Untagged: " + ref.familiar());
            }
        }
        return 0;
    }
}
