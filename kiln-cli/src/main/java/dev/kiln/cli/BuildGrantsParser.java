package dev.kiln.cli;

import dev.kiln.common.KilnException;
import dev.kiln.engine.BuildGrants;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@code kiln build}'s {@code --secret}, {@code --ssh} and {@code --allow} values into
 * {@link BuildGrants}, with {@code docker buildx build}'s syntax:
 * <ul>
 *   <li>{@code --secret id=ID[,src=FILE|,source=FILE][,env=VAR][,type=file|env]}: the file's bytes or the
 *   variable's value, read now into memory; without src or env, the variable named ID, else the file ID;</li>
 *   <li>{@code --ssh default} (SSH_AUTH_SOCK), {@code --ssh ID=SOCKET} or {@code --ssh ID=KEY[,KEY]};</li>
 *   <li>{@code --allow network.host}, {@code --allow security.insecure} (comma lists accepted).</li>
 * </ul>
 * Error messages name the flag and never contain a secret's value.
 */
final class BuildGrantsParser {
    private BuildGrantsParser() {}

    static BuildGrants parse(List<String> secrets, List<String> ssh, List<String> allow, Map<String, String> environment) {
        Map<String, byte[]> secretValues = new LinkedHashMap<>();
        for (String s : secrets) {
            Map<String, String> kv = fields("--secret", s);
            String id = kv.get("id");
            if (id == null || id.isEmpty()) {
                throw new KilnException("invalid --secret \"" + s + "\": id= is required");
            }
            String src = kv.getOrDefault("src", kv.get("source"));
            String env = kv.get("env");
            String type = kv.get("type");
            if (src != null && "env".equals(type)) {
                env = src;
                src = null;
            }
            if (src == null && env == null) {
                if (environment.containsKey(id) && !"file".equals(type)) {
                    env = id;
                } else {
                    src = id;
                }
            }
            if (env != null) {
                String v = environment.get(env);
                if (v == null) {
                    throw new KilnException("--secret id=" + id + ": environment variable " + env + " is not set");
                }
                secretValues.put(id, v.getBytes(StandardCharsets.UTF_8));
            } else {
                try {
                    secretValues.put(id, Files.readAllBytes(Path.of(src)));
                } catch (IOException e) {
                    throw new KilnException("--secret id=" + id + ": cannot read " + src + ": " + e.getMessage());
                }
            }
        }
        Map<String, List<Path>> sshSpecs = new LinkedHashMap<>();
        for (String s : ssh) {
            int eq = s.indexOf('=');
            String id = eq < 0 ? s : s.substring(0, eq);
            if (id.isEmpty()) {
                throw new KilnException("invalid --ssh \"" + s + "\": want default, ID=SOCKET or ID=KEY[,KEY]");
            }
            List<Path> paths = new ArrayList<>();
            if (eq >= 0) {
                for (String p : s.substring(eq + 1).split(",")) {
                    if (!p.isEmpty()) {
                        paths.add(Path.of(p));
                    }
                }
            }
            sshSpecs.put(id, paths);
        }
        Set<String> entitlements = new LinkedHashSet<>();
        for (String a : allow) {
            for (String e : a.split(",")) {
                if (!e.isBlank()) {
                    entitlements.add(e.strip());
                }
            }
        }
        try {
            return new BuildGrants(secretValues, sshSpecs, entitlements);
        } catch (IllegalArgumentException e) {
            throw new KilnException("invalid --allow: " + e.getMessage());
        }
    }

    private static Map<String, String> fields(String flag, String value) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new KilnException("invalid " + flag + " \"" + value + "\": want KEY=VALUE pairs separated by commas");
            }
            kv.put(part.substring(0, eq).strip(), part.substring(eq + 1));
        }
        return kv;
    }
}
