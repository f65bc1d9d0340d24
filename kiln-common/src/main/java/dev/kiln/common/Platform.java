package dev.kiln.common;

import java.util.Locale;
import java.util.Objects;

/**
 * An OCI platform: operating system, CPU architecture and optional variant, written
 * {@code os/arch[/variant]} as in {@code linux/amd64} or {@code linux/arm/v7}.
 */
public record Platform(String os, String architecture, String variant) {
    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        variant = variant == null ? "" : variant;
        if (os.isEmpty() || architecture.isEmpty()) {
            throw new IllegalArgumentException("platform needs an os and an architecture");
        }
    }

    /** The platform this JVM runs on, with Java's architecture names mapped to Go's. */
    public static Platform host() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String goArch = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            case "arm" -> "arm";
            default -> arch;
        };
        return new Platform("linux", goArch, goArch.equals("arm64") ? "" : goArch.equals("arm") ? "v7" : "");
    }

    /** Parses {@code os/arch[/variant]}; a bare {@code arch} means linux. */
    public static Platform parse(String s) {
        String[] parts = s.trim().toLowerCase(Locale.ROOT).split("/");
        return switch (parts.length) {
            case 1 -> new Platform("linux", parts[0], "");
            case 2 -> new Platform(parts[0], parts[1], "");
            case 3 -> new Platform(parts[0], parts[1], parts[2]);
            default -> throw new IllegalArgumentException("invalid platform: " + s);
        };
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
}
