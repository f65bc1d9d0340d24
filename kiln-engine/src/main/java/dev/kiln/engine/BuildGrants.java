package dev.kiln.engine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the client lends one build and allows it: secrets ({@code --secret}), ssh agents or keys
 * ({@code --ssh}) and entitlements ({@code --allow network.host}, {@code --allow security.insecure}).
 * Secrets are held in memory only, for the build's lifetime; {@link #toString()} never shows them.
 *
 * @param secrets secret id → content
 * @param ssh ssh id → an agent socket, or key files to load into a private agent; an empty list
 *            means the client's {@code SSH_AUTH_SOCK}
 * @param entitlements the granted entitlements, e.g. {@code network.host}
 */
public record BuildGrants(Map<String, byte[]> secrets, Map<String, List<Path>> ssh, Set<String> entitlements) {

    /** The entitlement that allows {@code RUN --network=host}. */
    public static final String NETWORK_HOST = "network.host";
    /** The entitlement that allows {@code RUN --security=insecure}. */
    public static final String SECURITY_INSECURE = "security.insecure";

    /** Nothing lent, nothing allowed. */
    public static final BuildGrants NONE = new BuildGrants(Map.of(), Map.of(), Set.of());

    public BuildGrants {
        Map<String, byte[]> copy = new LinkedHashMap<>();
        secrets.forEach((k, v) -> copy.put(k, v.clone()));
        secrets = Map.copyOf(copy);
        Map<String, List<Path>> sshCopy = new LinkedHashMap<>();
        ssh.forEach((k, v) -> sshCopy.put(k, List.copyOf(v)));
        ssh = Map.copyOf(sshCopy);
        entitlements = Set.copyOf(entitlements);
        for (String e : entitlements) {
            if (!e.equals(NETWORK_HOST) && !e.equals(SECURITY_INSECURE)) {
                throw new IllegalArgumentException("unknown entitlement \"" + e + "\": want " + NETWORK_HOST
                        + " or " + SECURITY_INSECURE);
            }
        }
    }

    @Override
    public String toString() {
        return "BuildGrants[secrets=" + secrets.keySet() + ", ssh=" + ssh.keySet() + ", entitlements=" + entitlements + "]";
    }
}
