package dev.kiln.cli;

import dev.kiln.common.Platform;
import dev.kiln.engine.Engine;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.PullResult;
import dev.kiln.registry.TransferListener;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kiln pull REF}: fetches an image into the local store. */
@Command(name = "pull", description = "Pull an image from a registry into the local store.", mixinStandardHelpOptions = true)
final class PullCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(paramLabel = "IMAGE")
    String image;

    @Option(names = "--platform", description = "Platform to pull (os/arch[/variant]); default: this host.")
    String platform;

    @Override
    public Integer call() throws Exception {
        ImageReference ref = CliReferences.parse(image);
        try (Engine engine = main.openEngine()) {
            PullResult r = Interruptible.run(() -> engine.registry().pull(ref,
                    platform == null ? Platform.host() : Platform.parse(platform), new TransferListener() {}));
            System.err.println("pulled " + r.downloaded() + " blobs (" + r.bytes() + " bytes), " + r.present()
                    + " already present");
            System.out.println("Digest: " + r.root().digest());
            System.out.println(ref.familiar());
        }
        return 0;
    }
}
