package dev.kiln.cli;

import dev.kiln.engine.Engine;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.PushResult;
import dev.kiln.registry.TransferListener;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kiln push NAME [TARGET]}: sends a stored image to its registry (or to TARGET). */
@Command(name = "push", description = "Push an image from the local store to a registry.", mixinStandardHelpOptions = true)
final class PushCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "IMAGE")
    String image;

    @Parameters(index = "1", paramLabel = "TARGET", arity = "0..1", description = "Where to push (default: IMAGE).")
    String target;

    @Override
    public Integer call() throws Exception {
        ImageReference src = CliReferences.parse(image);
        ImageReference dst = target == null ? src : CliReferences.parse(target);
        try (Engine engine = main.openEngine()) {
            PushResult r = Interruptible.run(() -> engine.registry().push(dst, src, new TransferListener() {}));
            System.err.println("uploaded " + r.uploaded() + " blobs, " + r.present() + " already present, "
                    + r.mounted() + " mounted");
            System.out.println(dst.familiar() + ": digest: " + r.digest());
        }
        return 0;
    }
}
