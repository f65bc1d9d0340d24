package dev.kiln.dockerfile.convert;

import dev.kiln.llb.Edge;
import dev.kiln.oci.image.ContainerConfig;
import dev.kiln.oci.image.ImageConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The state of one stage while it is converted: its current file system (an LLB edge, empty
 * for an empty tree), its image config, the build args declared so far, and the history
 * entries it added. Mutable, confined to the converter.
 */
final class StageState {
    Optional<Edge> fs;
    ImageConfig image;
    final Map<String, String> args = new LinkedHashMap<>();
    final List<ImageConfig.History> addedHistory = new ArrayList<>();
    boolean cmdSetInStage;
    /** A WORKDIR was set in this stage (WorkdirRelativePath only flags the first, relative one). */
    boolean workdirSet;
    final String label;
    int totalSteps;
    int step = 1;

    StageState(Optional<Edge> fs, ImageConfig image, String label, int totalSteps) {
        this.fs = fs;
        this.image = image;
        this.label = label;
        this.totalSteps = totalSteps;
    }

    ContainerConfig config() {
        return image.config();
    }

    void config(ContainerConfig c) {
        image = image.withConfig(c);
    }

    /**
     * The environment as BuildKit's LLB state holds it: the base's ENV (or the base stage's state),
     * then each ENV and each ARG that has a value, in order, a later one replacing an earlier one
     * of the same name in place. It expands words and is the environment of a RUN; the image
     * config keeps only the ENVs.
     */
    final Map<String, String> env = new LinkedHashMap<>();

    /** The values that expand words here. */
    Map<String, String> expansionEnv() {
        return new LinkedHashMap<>(env);
    }

    /** The environment of a RUN, {@code K=V}. */
    List<String> runEnv() {
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    String workingDir() {
        String wd = config().workingDir();
        return wd == null || wd.isEmpty() ? "/" : wd;
    }

    /** The progress name of the next step: {@code [label k/n] TEXT}. */
    String nextStepName(String text) {
        step++;
        return stepName(step, text);
    }

    String stepName(int k, String text) {
        return "[" + (label.isEmpty() ? "" : label + " ") + k + "/" + totalSteps + "] " + text;
    }
}
