package dev.kiln.engine;

import dev.kiln.oci.Descriptor;
import java.util.List;

/** What a build produced: the image manifest's descriptor and the warnings it printed. */
public record BuildResult(Descriptor manifest, String configDigest, List<String> warnings) {}
