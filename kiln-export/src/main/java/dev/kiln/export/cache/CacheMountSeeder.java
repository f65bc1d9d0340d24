package dev.kiln.export.cache;

import dev.kiln.common.files.FileTrees;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.layer.LayerApplier;
import dev.kiln.oci.layer.LayerBlob;
import dev.kiln.worker.KilnWorker;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Imports {@code RUN --mount=type=cache} contents that a cache carries (exported with
 * {@code cache-mounts=true}): each becomes the local cache directory of its id, unless this
 * state dir already has one (local contents win; they are never merged). The contents are
 * unpacked into a temporary sibling and renamed into place, so a running step never sees a
 * half-written cache directory. Done when the cache is imported, before the solve.
 */
public final class CacheMountSeeder {
    private final KilnWorker worker;
    private final ContentStore content;

    public CacheMountSeeder(KilnWorker worker, ContentStore content) {
        this.worker = worker;
        this.content = content;
    }

    /** Seeds the cache directories the cache carries and this state dir lacks; returns their ids. */
    public List<String> seed(ImportedCache cache) throws IOException {
        List<String> seeded = new ArrayList<>();
        for (Map.Entry<String, LayerBlob> e : cache.cacheMounts().entrySet()) {
            Path dir = worker.cacheMountDir(e.getKey());
            if (Files.exists(dir)) {
                continue;
            }
            LayerBlob blob = e.getValue();
            cache.fetcher().fetch(blob.descriptor(), content);
            Path tmp = dir.resolveSibling("." + dir.getFileName() + ".import-" + UUID.randomUUID());
            Files.createDirectories(tmp);
            try {
                new LayerApplier(LayerApplier.Mode.MERGED).apply(content, blob.descriptor(), tmp, Optional.of(blob.diffId()));
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                seeded.add(e.getKey());
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                // another build created the directory meanwhile: its contents win
            } finally {
                if (Files.exists(tmp)) {
                    FileTrees.deleteRecursively(tmp);
                }
            }
        }
        return seeded;
    }
}
