package dev.kiln.engine;

import dev.kiln.oci.Descriptor;
import java.util.List;

/**
 * What a build produced: the image manifest's descriptor, its config digest, the warnings it
 * printed and the references it pushed ({@code name@digest}).
 */
public record BuildResult(Descriptor manifest, String configDigest, List<String> warnings, List<String> pushed) {}
