package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import dev.kiln.dockerfile.parser.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The BuildKit lint rules that need no build state: instruction casing, reserved stage names,
 * shell-form CMD/ENTRYPOINT, repeated CMD/ENTRYPOINT/HEALTHCHECK, legacy {@code ENV k v},
 * constant or redundant {@code FROM --platform}. Rules that need values (UndefinedVar,
 * WorkdirRelativePath, ...) belong to the converter. Stateless.
 */
final class LintRules {
    private LintRules() {
    }

    static Warning warning(String rule, String message, SourceLocation location) {
        String kebab = rule.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
        return new Warning(rule, message, "https://docs.docker.com/go/dockerfile/rule/" + kebab + "/", location);
    }

    static void check(String file, List<Node> nodes, List<Stage> stages, List<Warning> out) {
        casing(file, nodes, out);
        for (Stage stage : stages) {
            if (stage.name() != null && (stage.name().equalsIgnoreCase("scratch") || stage.name().equalsIgnoreCase("context"))) {
                out.add(warning("ReservedStageName", "Stage name should not use the same name as reserved stage \""
                        + stage.name().toLowerCase(Locale.ROOT) + "\"", stage.location()));
            }
            String platform = stage.platformFlag();
            if (platform != null) {
                if (platform.equals("$TARGETPLATFORM") || platform.equals("${TARGETPLATFORM}")) {
                    out.add(warning("RedundantTargetPlatform", "Setting platform to predefined " + platform
                            + " in FROM is redundant as this is the default behavior", stage.location()));
                } else if (!platform.contains("$")) {
                    out.add(warning("FromPlatformFlagConstDisallowed", "FROM --platform flag should not use constant value \""
                            + platform + "\"", stage.location()));
                }
            }
            perStage(stage, out);
        }
    }

    private static void perStage(Stage stage, List<Warning> out) {
        boolean shellSet = false;
        Map<String, List<Instruction>> singles = Map.of("CMD", new ArrayList<>(), "ENTRYPOINT", new ArrayList<>(),
                "HEALTHCHECK", new ArrayList<>());
        for (Instruction i : stage.commands()) {
            boolean defaultShell = !shellSet;
            switch (i) {
                case ShellInstruction s -> shellSet = true;
                case CmdInstruction c when c.shellForm() && defaultShell && !c.command().isEmpty() ->
                        out.add(jsonArgs("CMD", c.location()));
                case EntrypointInstruction e when e.shellForm() && defaultShell && !e.command().isEmpty() ->
                        out.add(jsonArgs("ENTRYPOINT", e.location()));
                case EnvInstruction e when e.env().stream().anyMatch(KeyValue::noDelim) -> out.add(legacy("ENV", e.location()));
                case LabelInstruction l when l.labels().stream().anyMatch(KeyValue::noDelim) -> out.add(legacy("LABEL", l.location()));
                default -> {
                }
            }
            List<Instruction> same = singles.get(i.keyword());
            if (same != null) {
                same.add(i);
            }
        }
        for (Map.Entry<String, List<Instruction>> e : singles.entrySet()) {
            List<Instruction> list = e.getValue();
            for (int k = 0; k < list.size() - 1; k++) {
                out.add(warning("MultipleInstructionsDisallowed", "Multiple " + e.getKey()
                        + " instructions should not be used in the same stage because only the last one will be used",
                        list.get(k).location()));
            }
        }
    }

    private static Warning jsonArgs(String keyword, SourceLocation location) {
        return warning("JSONArgsRecommended", "JSON arguments recommended for " + keyword
                + " to prevent unintended behavior related to OS signals", location);
    }

    private static Warning legacy(String keyword, SourceLocation location) {
        return warning("LegacyKeyValueFormat", "\"" + keyword + " key=value\" should be used instead of legacy \""
                + keyword + " key value\" format", location);
    }

    /** ConsistentInstructionCasing: every keyword should follow the majority's case. */
    private static void casing(String file, List<Node> nodes, List<Warning> out) {
        int lower = 0;
        int upper = 0;
        for (Node n : nodes) {
            String v = n.value();
            if (v.equals(v.toLowerCase(Locale.ROOT))) {
                lower++;
            } else if (v.equals(v.toUpperCase(Locale.ROOT))) {
                upper++;
            }
        }
        boolean majorityLower = lower > upper;
        for (Node n : nodes) {
            String v = n.value();
            String wanted = null;
            if (majorityLower && !v.equals(v.toLowerCase(Locale.ROOT))) {
                wanted = "lowercase";
            } else if (!majorityLower && !v.equals(v.toUpperCase(Locale.ROOT))) {
                wanted = "uppercase";
            }
            if (wanted != null) {
                out.add(warning("ConsistentInstructionCasing", "Command '" + v + "' should match the case of the command majority ("
                        + wanted + ")", n.location(file)));
            }
        }
    }
}
