package dev.kiln.registry.manifest;

import dev.kiln.common.Platform;
import dev.kiln.oci.Descriptor;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the manifest for a platform from an index, as containerd's default matcher does:
 * OS and architecture must be equal; the variant must be equal except that amd64 ignores
 * variants, an empty wanted variant accepts any, and arm64 treats "" and "v8" alike. Among
 * several matches the first exact variant match wins, then the first match.
 */
public final class PlatformMatcher {
    private PlatformMatcher() {}

    public static Optional<Descriptor> select(List<Descriptor> manifests, Platform wanted) {
        Descriptor loose = null;
        for (Descriptor d : manifests) {
            Descriptor.OciPlatform p = d.platform();
            if (p == null || !wanted.os().equals(p.os()) || !wanted.architecture().equals(p.architecture())) {
                continue;
            }
            String variant = normalVariant(wanted.architecture(), p.variant());
            String want = normalVariant(wanted.architecture(), wanted.variant());
            if (variant.equals(want)) {
                return Optional.of(d);
            }
            if (loose == null && (wanted.architecture().equals("amd64") || want.isEmpty())) {
                loose = d;
            }
        }
        return Optional.ofNullable(loose);
    }

    private static String normalVariant(String arch, String variant) {
        String v = variant == null ? "" : variant;
        return arch.equals("arm64") && v.equals("v8") ? "" : v;
    }

    /** {@code os/arch[/variant]} of every entry that has a platform, for error messages. */
    public static List<String> describe(List<Descriptor> manifests) {
        return manifests.stream().map(Descriptor::platform).filter(p -> p != null)
                .map(p -> p.os() + "/" + p.architecture() + (p.variant() == null || p.variant().isEmpty() ? "" : "/" + p.variant()))
                .toList();
    }
}
