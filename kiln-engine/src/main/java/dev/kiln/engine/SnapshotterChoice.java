package dev.kiln.engine;

import dev.kiln.common.KilnException;
import dev.kiln.snapshot.SnapshotterKind;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which snapshotter an engine uses over its state dir, and why. Made once when the engine opens:
 * <ul>
 *   <li>a kind forced by {@link EngineConfig#snapshotter()} ({@code KILN_SNAPSHOTTER=overlay|native})
 *   is used as asked, unless the state dir was made with the other kind, which is an error naming
 *   both (a state dir keeps the kind it was made with: an overlay one holds diffs, a native one
 *   whole trees);</li>
 *   <li>otherwise overlayfs is probed in the snapshot root (a real mount, with {@code userxattr}
 *   in a user namespace): the state dir's recorded kind is kept if it has one, else overlay when
 *   the probe works and the copying (native) snapshotter when it does not.</li>
 * </ul>
 * When the copying snapshotter ends up in use without being asked for, {@link #notice()} is the one
 * line the user is told. Values are immutable.
 *
 * @param kind the snapshotter to open
 * @param forced whether the configuration asked for it
 * @param overlayProblem why overlayfs does not work here, when it was probed and failed (a state dir
 *     made with the copying snapshotter keeps it even where the probe now works)
 */
public record SnapshotterChoice(SnapshotterKind kind, boolean forced, Optional<String> overlayProblem) {

    public SnapshotterChoice {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(overlayProblem, "overlayProblem");
    }

    /**
     * Chooses for the snapshot root {@code snapshotRoot} (created by the caller beforehand);
     * {@code forced} is the configured kind or null, {@code probe} says why overlayfs does not work
     * under a directory (empty when it does).
     */
    static SnapshotterChoice choose(Path snapshotRoot, SnapshotterKind forced,
                                    Function<Path, Optional<String>> probe) {
        Optional<SnapshotterKind> recorded = SnapshotterKind.recordedIn(snapshotRoot);
        if (forced != null) {
            if (recorded.isPresent() && recorded.get() != forced) {
                throw new KilnException("the state dir " + snapshotRoot.getParent() + " was made with the "
                        + recorded.get().id() + " snapshotter and cannot be used with the " + forced.id()
                        + " snapshotter (KILN_SNAPSHOTTER=" + forced.id() + "); use another state dir (--root) "
                        + "or leave KILN_SNAPSHOTTER unset");
            }
            return new SnapshotterChoice(forced, true, Optional.empty());
        }
        if (recorded.isPresent() && recorded.get() == SnapshotterKind.OVERLAY) {
            return new SnapshotterChoice(SnapshotterKind.OVERLAY, false, Optional.empty());
        }
        Optional<String> problem = probe.apply(snapshotRoot);
        if (recorded.isPresent() || problem.isPresent()) {
            return new SnapshotterChoice(SnapshotterKind.NATIVE, false, problem);
        }
        return new SnapshotterChoice(SnapshotterKind.OVERLAY, false, Optional.empty());
    }

    /** The line to tell the user when the copying snapshotter is used without being asked for. */
    public Optional<String> notice() {
        if (forced || kind != SnapshotterKind.NATIVE) {
            return Optional.empty();
        }
        return Optional.of(overlayProblem.map(p -> "kiln: overlayfs is not available here (" + p
                + "); using the copying snapshotter (slower, more disk)")
                .orElse("kiln: this state dir was made with the copying snapshotter and keeps using it "
                        + "(slower, more disk; KILN_SNAPSHOTTER=native says so and silences this)"));
    }

    /** A short description for status output: {@code overlay}, or {@code native (automatic: REASON)}. */
    public String describe() {
        if (forced) {
            return kind.id() + " (KILN_SNAPSHOTTER)";
        }
        if (kind == SnapshotterKind.NATIVE) {
            return kind.id() + overlayProblem.map(p -> " (overlayfs not available: " + p + ")")
                    .orElse(" (the state dir was made with it)");
        }
        return kind.id();
    }
}
