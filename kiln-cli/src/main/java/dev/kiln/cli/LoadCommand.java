package dev.kiln.cli;

import dev.kiln.common.KilnException;
import dev.kiln.engine.Engine;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.archive.ImageArchiveReader;
import dev.kiln.oci.archive.NamedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code kiln load -i FILE}: imports an OCI layout tar or a docker archive into the local store. */
@Command(name = "load", description = "Load images from an OCI or docker archive.", mixinStandardHelpOptions = true)
final class LoadCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = {"-i", "--input"}, required = true, description = "The archive to read.")
    Path input;

    @Option(names = {"-t", "--tag"}, description = "Name for an image the archive does not name.")
    String tag;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new KilnException("open " + input + ": no such file");
        }
        try (Engine engine = main.openEngine()) {
            ImageArchiveReader.Loaded loaded;
            try {
                loaded = new ImageArchiveReader(engine.content()).load(input);
            } catch (IOException e) {
                throw new KilnException(input + " is not a valid OCI or docker archive: " + e.getMessage(), e);
            }
            int n = 0;
            for (NamedImage img : loaded.images()) {
                String name = img.name().orElse(tag);
                if (name == null) {
                    System.out.println("Loaded image ID: " + img.manifest().digest() + " (unnamed; use -t to name it)");
                    continue;
                }
                ImageReference ref = ImageReference.parse(name);
                engine.images().tag(ref, img.manifest());
                System.out.println("Loaded image: " + ref.familiar());
                n++;
            }
            if (loaded.images().isEmpty()) {
                throw new KilnException(input + " holds no image");
            }
            return n > 0 || tag == null ? 0 : 1;
        }
    }
}
