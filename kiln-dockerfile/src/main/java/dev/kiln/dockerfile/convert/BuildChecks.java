package dev.kiln.dockerfile.convert;

import dev.kiln.common.SourceLocation;
import dev.kiln.dockerfile.instructions.Warning;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The build checks of one conversion: collects the findings of the rules that need values
 * (UndefinedVar, UndefinedArgInFrom, InvalidDefaultArgInFrom, SecretsUsedInArgOrEnv,
 * WorkdirRelativePath, ExposeProtoCasing, ExposeInvalidFormat, CopyIgnoredFile), merges them
 * with the parser's stateless ones, and applies the {@code # check=skip=…;error=true}
 * directive (or the {@code BUILDKIT_DOCKERFILE_CHECK} build arg, which overrides it) as
 * BuildKit does. Created by the converter, filled while it runs, read once at the end.
 */
final class BuildChecks {
    /** BuildKit's pattern for names that look like secrets, and the words that clear them. */
    private static final Pattern SECRET = Pattern.compile(
            "(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pass|pword|passwd|secret|token)(?:_|$)");
    private static final Pattern NOT_SECRET = Pattern.compile("(?i)(?:_|^)(?:public)(?:_|$)");
    private static final String URL = "https://docs.docker.com/go/dockerfile/rule/";

    private final Set<Warning> found = new LinkedHashSet<>();
    private final Set<String> skip = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    private boolean skipAll;
    private final Set<String> experimental = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    private boolean error;

    /**
     * @param directive the {@code # check=} value, or null
     * @param override  the {@code BUILDKIT_DOCKERFILE_CHECK} build arg, or null
     */
    BuildChecks(String directive, String override) {
        String config = override != null ? override : directive;
        if (config == null) {
            return;
        }
        for (String part : config.split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = part.substring(eq + 1).trim();
            switch (key) {
                case "skip" -> {
                    for (String rule : value.split(",")) {
                        if (rule.trim().equalsIgnoreCase("all")) {
                            skipAll = true;
                        } else if (!rule.isBlank()) {
                            skip.add(rule.trim());
                        }
                    }
                }
                case "error" -> error = Boolean.parseBoolean(value);
                case "experimental" -> {
                    for (String rule : value.split(",")) {
                        experimental.add(rule.trim());
                    }
                }
                default -> {
                    // unknown keys are ignored, as BuildKit does
                }
            }
        }
    }

    /** Records a finding; the same rule, message and place is reported once. */
    void add(String rule, String message, SourceLocation location) {
        String kebab = rule.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
        found.add(new Warning(rule, message, URL + kebab + "/", location));
    }

    /** The findings to report: the parser's and the converter's, minus skipped rules, by line. */
    List<Warning> report(List<Warning> fromModel) {
        List<Warning> all = new ArrayList<>(fromModel);
        all.addAll(found);
        if (skipAll) {
            return List.of();
        }
        List<Warning> out = new ArrayList<>();
        for (Warning w : all) {
            if (!skip.contains(w.rule()) && !out.contains(w)) {
                out.add(w);
            }
        }
        out.sort(java.util.Comparator.comparing((Warning w) -> w.location() == null ? "" : w.location().file())
                .thenComparingInt(w -> w.location() == null ? 0 : w.location().line()));
        return out;
    }

    /** {@code error=true}: a finding fails the build. */
    boolean findingsAreErrors() {
        return error;
    }

    /** SecretsUsedInArgOrEnv for one ARG or ENV key. */
    void secretName(String keyword, String name, SourceLocation location) {
        if (SECRET.matcher(name).find() && !NOT_SECRET.matcher(name).find()) {
            add("SecretsUsedInArgOrEnv", "Do not use ARG or ENV instructions for sensitive data (" + keyword + " \""
                    + name + "\")", location);
        }
    }

    /** UndefinedVar for names an instruction referenced but nothing defined. */
    void undefinedVars(Collection<String> names, Collection<String> known, SourceLocation location) {
        for (String n : names) {
            add("UndefinedVar", "Usage of undefined variable '$" + n + "'" + hint(n, known, "$"), location);
        }
    }

    /** " (did you mean X?)" for the closest known name, or "". */
    static String hint(String name, Collection<String> known, String prefix) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : new TreeSet<>(known)) {
            int d = distance(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        int limit = Math.max(1, name.length() / 3);
        return best != null && bestDistance <= limit ? " (did you mean " + prefix + best + "?)" : "";
    }

    /** Levenshtein distance, where swapping two neighbours counts as one edit. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /**
     * InvalidDefinitionDescription (experimental, off unless {@code # check=experimental=…} names
     * it or {@code all}): a comment right above {@code ARG} or {@code FROM … AS name} must start
     * with the name it describes.
     */
    void definitionDescriptions(String file, String text) {
        if (!experimental.contains("all") && !experimental.contains("InvalidDefinitionDescription")) {
            return;
        }
        for (dev.kiln.dockerfile.parser.Node n : dev.kiln.dockerfile.parser.DockerfileParser.parse(file, text).ast().children()) {
            String keyword = n.value().toUpperCase(Locale.ROOT);
            List<String> keys = new ArrayList<>();
            if (keyword.equals("FROM") && n.argValues().size() >= 3) {
                keys.add(n.argValues().get(2));
            } else if (keyword.equals("ARG")) {
                n.argValues().forEach(a -> keys.add(a.contains("=") ? a.substring(0, a.indexOf('=')) : a));
            }
            if (keys.isEmpty() || n.comments().isEmpty()) {
                continue;
            }
            String first = n.comments().getLast().strip().split(" ", 2)[0];
            if (!keys.contains(first)) {
                add("InvalidDefinitionDescription", "Comment for " + keyword + " should follow the format: `# "
                        + (keys.size() > 1 ? "<arg_key>" : keys.getFirst()) + " <description>`", n.location(file));
            }
        }
    }
}
