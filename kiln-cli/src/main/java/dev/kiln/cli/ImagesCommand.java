package dev.kiln.cli;

import dev.kiln.engine.Engine;
import dev.kiln.oci.ImageReference;
import dev.kiln.worker.images.ImageStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code kiln images}: the local image store, one line per name. */
@Command(name = "images", aliases = "ls", description = "List images in the local store.", mixinStandardHelpOptions = true)
final class ImagesCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        try (Engine engine = main.openEngine()) {
            System.out.printf("%-40s %-20s %-19s %-14s %s%n", "REPOSITORY", "TAG", "DIGEST", "CREATED", "SIZE");
            for (ImageStore.StoredImage img : engine.images().list()) {
                ImageReference ref = ImageReference.parse(img.name());
                String repo = ref.withTag(null).familiar();
                System.out.printf("%-40s %-20s %-19s %-14s %s%n", repo, ref.tag() == null ? "<none>" : ref.tag(),
                        img.descriptor().digestValue().shortHex(), ago(img.created()),
                        humanSize(engine.images().imageSize(img.descriptor())));
            }
        }
        return 0;
    }

    static String ago(Instant t) {
        Duration d = Duration.between(t, Instant.now());
        if (d.toSeconds() < 60) {
            return d.toSeconds() + " seconds ago";
        }
        if (d.toMinutes() < 60) {
            return d.toMinutes() + " minutes ago";
        }
        if (d.toHours() < 48) {
            return d.toHours() + " hours ago";
        }
        return d.toDays() + " days ago";
    }

    static String humanSize(long bytes) {
        if (bytes < 1000) {
            return bytes + "B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.3g%s", v, units[u]);
    }
}
