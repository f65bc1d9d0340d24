package dev.kiln.oci.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code config} object of an image config: how a container of the image runs (user,
 * environment, entrypoint and command, ports, volumes, working dir, labels, stop signal,
 * health check, and Docker's ONBUILD/SHELL extensions), with Docker's capitalised field
 * names. Immutable; each {@code with…} method returns a changed copy for the Dockerfile
 * instruction that sets that field.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ContainerConfig(
        @JsonProperty("User") String user,
        @JsonProperty("ExposedPorts") @JsonSerialize(using = KeySetJson.Writer.class)
                @JsonDeserialize(using = KeySetJson.Reader.class) Set<String> exposedPorts,
        @JsonProperty("Env") List<String> env,
        @JsonProperty("Entrypoint") List<String> entrypoint,
        @JsonProperty("Cmd") List<String> cmd,
        @JsonProperty("Volumes") @JsonSerialize(using = KeySetJson.Writer.class)
                @JsonDeserialize(using = KeySetJson.Reader.class) Set<String> volumes,
        @JsonProperty("WorkingDir") String workingDir,
        @JsonProperty("Labels") Map<String, String> labels,
        @JsonProperty("StopSignal") String stopSignal,
        @JsonProperty("Healthcheck") Healthcheck healthcheck,
        @JsonProperty("OnBuild") List<String> onBuild,
        @JsonProperty("Shell") List<String> shell,
        @JsonProperty("ArgsEscaped") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean argsEscaped) {

    /** An empty config (what {@code FROM scratch} starts with). */
    public static final ContainerConfig EMPTY =
            new ContainerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);

    public ContainerConfig {
        exposedPorts = exposedPorts == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(exposedPorts));
        env = env == null ? List.of() : List.copyOf(env);
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        cmd = cmd == null ? null : List.copyOf(cmd);
        volumes = volumes == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(volumes));
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        onBuild = onBuild == null ? List.of() : List.copyOf(onBuild);
        shell = shell == null ? List.of() : List.copyOf(shell);
    }

    public ContainerConfig withUser(String v) {
        return new ContainerConfig(v, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                healthcheck, onBuild, shell, argsEscaped);
    }

    public ContainerConfig withExposedPorts(Set<String> v) {
        return new ContainerConfig(user, v, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                healthcheck, onBuild, shell, argsEscaped);
    }

    /** Adds ports such as {@code 80/tcp}; a port without protocol gets {@code /tcp}. */
    public ContainerConfig withExposedPort(String port) {
        Set<String> all = new TreeSet<>(exposedPorts);
        all.add(port.contains("/") ? port : port + "/tcp");
        return withExposedPorts(all);
    }

    public ContainerConfig withEnv(List<String> v) {
        return new ContainerConfig(user, exposedPorts, v, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                healthcheck, onBuild, shell, argsEscaped);
    }

    /** Sets {@code KEY=value}, replacing an earlier value of the same key in place. */
    public ContainerConfig withEnvVar(String key, String value) {
        List<String> all = new ArrayList<>(env);
        String entry = key + "=" + value;
        for (int i = 0; i < all.size(); i++) {
            String e = all.get(i);
            int eq = e.indexOf('=');
            if ((eq < 0 ? e : e.substring(0, eq)).equals(key)) {
                all.set(i, entry);
                return withEnv(all);
            }
        }
        all.add(entry);
        return withEnv(all);
    }

    /** The environment as an ordered map (entries without {@code =} map to an empty value). */
    public Map<String, String> envMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            m.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        return m;
    }

    public ContainerConfig withEntrypoint(List<String> v) {
        return new ContainerConfig(user, exposedPorts, env, v, cmd, volumes, workingDir, labels, stopSignal,
                healthcheck, onBuild, shell, argsEscaped);
    }

    public ContainerConfig withCmd(List<String> v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, v, volumes, workingDir, labels, stopSignal,
                healthcheck, onBuild, shell, argsEscaped);
    }

    public ContainerConfig withVolumes(Set<String> v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, v, workingDir, labels, stopSignal,
                healthcheck, onBuild, shell, argsEscaped);
    }

    public ContainerConfig withVolume(String path) {
        Set<String> all = new TreeSet<>(volumes);
        all.add(path);
        return withVolumes(all);
    }

    public ContainerConfig withWorkingDir(String v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, v, labels, stopSignal,
                healthcheck, onBuild, shell, argsEscaped);
    }

    public ContainerConfig withLabels(Map<String, String> v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, v, stopSignal,
                healthcheck, onBuild, shell, argsEscaped);
    }

    public ContainerConfig withLabel(String key, String value) {
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put(key, value);
        return withLabels(all);
    }

    public ContainerConfig withStopSignal(String v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, v,
                healthcheck, onBuild, shell, argsEscaped);
    }

    public ContainerConfig withHealthcheck(Healthcheck v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                v, onBuild, shell, argsEscaped);
    }

    public ContainerConfig withOnBuild(List<String> v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                healthcheck, v, shell, argsEscaped);
    }

    public ContainerConfig withShell(List<String> v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                healthcheck, onBuild, v, argsEscaped);
    }

    public ContainerConfig withArgsEscaped(Boolean v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                healthcheck, onBuild, shell, v);
    }

    /**
     * A HEALTHCHECK: the test command ({@code ["NONE"]}, {@code ["CMD", …]} or
     * {@code ["CMD-SHELL", cmd]}) and durations in nanoseconds, as Docker writes them.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Healthcheck(
            @JsonProperty("Test") List<String> test,
            @JsonProperty("Interval") @JsonInclude(JsonInclude.Include.NON_DEFAULT) long intervalNanos,
            @JsonProperty("Timeout") @JsonInclude(JsonInclude.Include.NON_DEFAULT) long timeoutNanos,
            @JsonProperty("StartPeriod") @JsonInclude(JsonInclude.Include.NON_DEFAULT) long startPeriodNanos,
            @JsonProperty("StartInterval") @JsonInclude(JsonInclude.Include.NON_DEFAULT) long startIntervalNanos,
            @JsonProperty("Retries") @JsonInclude(JsonInclude.Include.NON_DEFAULT) int retries) {
        public Healthcheck {
            test = test == null ? List.of() : List.copyOf(test);
        }
    }
}
