package dev.kiln.cli;

import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.engine.Engine;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.archive.DockerArchiveWriter;
import dev.kiln.oci.archive.NamedImage;
import dev.kiln.oci.archive.OciLayoutWriter;
import dev.kiln.worker.images.ImageStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kiln save NAME... -o FILE}: exports images from the local store as an archive. */
@Command(name = "save", description = "Save images to an OCI (default) or docker archive.", mixinStandardHelpOptions = true)
final class SaveCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<String> names;

    @Option(names = {"-o", "--output"}, required = true, description = "The archive to write.")
    Path output;

    @Option(names = "--format", defaultValue = "oci", description = "oci or docker.")
    String format;

    @Override
    public Integer call() throws Exception {
        try (Engine engine = main.openEngine()) {
            List<NamedImage> images = new ArrayList<>();
            for (String n : names) {
                ImageReference ref = ImageReference.parse(n);
                ImageStore.StoredImage img = engine.images().get(ref)
                        .orElseThrow(() -> new KilnException("no such image: " + n));
                images.add(NamedImage.of(ref.toString(), img.descriptor()));
            }
            switch (format) {
                case "oci" -> new OciLayoutWriter(engine.content()).writeTar(images, output);
                case "docker" -> new DockerArchiveWriter(engine.content(), Platform.host()).write(images, output);
                default -> throw new KilnException("invalid --format " + format + ": want oci or docker");
            }
        }
        return 0;
    }
}
