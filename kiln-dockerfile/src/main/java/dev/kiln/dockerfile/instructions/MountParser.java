package dev.kiln.dockerfile.instructions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one {@code --mount} value (CSV of {@code key=value} fields) into a {@link RunMount} with
 * BuildKit's rules. In lenient mode (at parse time, before the environment is known) a value that
 * contains {@code $} is kept as written and checks that depend on it are skipped; the converter
 * re-reads the spec strictly after expansion. Stateless.
 */
final class MountParser {
    private static final List<String> KEYS = List.of("type", "from", "source", "target", "readonly", "id", "sharing",
            "required", "size", "mode", "uid", "gid", "src", "dst", "destination", "ro", "rw", "readwrite", "env");
    private static final Pattern RAM = Pattern.compile("^(\\d+(?:\\.\\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$");

    private MountParser() {
    }

    static RunMount parse(String spec, WordExpander expander, boolean lenient) {
        List<String> fields = csvFields(spec);
        RunMount.Type type = RunMount.Type.BIND;
        String from = null;
        String source = null;
        String target = null;
        boolean readOnly = false;
        boolean roAuto = true;
        long size = 0;
        String id = null;
        RunMount.Sharing sharing = null;
        boolean required = false;
        String env = null;
        Integer mode = null;
        Long uid = null;
        Long gid = null;
        boolean deferred = false;
        for (String field : fields) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (eq < 0) {
                switch (key) {
                    case "readonly", "ro" -> {
                        readOnly = true;
                        roAuto = false;
                    }
                    case "readwrite", "rw" -> {
                        readOnly = false;
                        roAuto = false;
                    }
                    case "required" -> {
                        if (type != RunMount.Type.SECRET && type != RunMount.Type.SSH && !deferred) {
                            throw new InstructionError("unexpected key 'required' for mount type '" + type.keyword() + "'");
                        }
                        required = true;
                    }
                    default -> throw new InstructionError("invalid field '" + field + "' must be a key=value pair");
                }
                continue;
            }
            String raw = field.substring(eq + 1);
            if (key.equals("from")) {
                int dollar = raw.indexOf('$');
                if (lenient && dollar >= 0 && dollar != raw.length() - 1) {
                    throw new InstructionError("'from' doesn't support variable expansion, define alias stage instead");
                }
            }
            boolean unknown = lenient && raw.indexOf('$') >= 0;
            String value = unknown ? raw : expander.expand(raw);
            deferred |= unknown;
            switch (key) {
                case "type" -> {
                    if (!unknown) {
                        type = mountType(value);
                    }
                }
                case "from" -> from = value;
                case "source", "src" -> source = value;
                case "target", "dst", "destination" -> target = value;
                case "readonly", "ro" -> {
                    readOnly = unknown ? readOnly : parseBool(key, value);
                    roAuto = false;
                }
                case "readwrite", "rw" -> {
                    readOnly = unknown ? readOnly : !parseBool(key, value);
                    roAuto = false;
                }
                case "required" -> {
                    if (type != RunMount.Type.SECRET && type != RunMount.Type.SSH && !deferred) {
                        throw new InstructionError("unexpected key 'required' for mount type '" + type.keyword() + "'");
                    }
                    required = unknown ? required : parseBool(key, value);
                }
                case "size" -> {
                    if (type != RunMount.Type.TMPFS && !deferred) {
                        throw new InstructionError("unexpected key 'size' for mount type '" + type.keyword() + "'");
                    }
                    size = unknown ? size : ramInBytes(key, value);
                }
                case "id" -> id = value;
                case "sharing" -> {
                    if (!unknown) {
                        sharing = sharing(value);
                    }
                }
                case "mode" -> mode = unknown ? null : (int) parseUnsigned(value, 8, "mode");
                case "uid" -> uid = unknown ? null : parseUnsigned(value, 10, "uid");
                case "gid" -> gid = unknown ? null : parseUnsigned(value, 10, "gid");
                case "env" -> env = value;
                default -> throw new InstructionError(Suggestions.withHint(
                        "unexpected key '" + key + "' in '" + field + "'", key, KEYS, true, ""));
            }
        }
        if (!deferred) {
            validate(type, from, source, target, id, sharing, mode, uid, gid);
        }
        if (roAuto) {
            readOnly = type != RunMount.Type.CACHE && type != RunMount.Type.TMPFS;
        }
        return new RunMount(type, from, source, target, readOnly, size, id, sharing, required, env, mode, uid, gid);
    }

    private static void validate(RunMount.Type type, String from, String source, String target, String id,
                                 RunMount.Sharing sharing, Integer mode, Long uid, Long gid) {
        boolean fileInfo = type == RunMount.Type.SECRET || type == RunMount.Type.SSH || type == RunMount.Type.CACHE;
        if (!fileInfo) {
            if (mode != null) {
                throw new InstructionError("mode not allowed for \"" + type.keyword() + "\" type mounts");
            }
            if (uid != null) {
                throw new InstructionError("uid not allowed for \"" + type.keyword() + "\" type mounts");
            }
            if (gid != null) {
                throw new InstructionError("gid not allowed for \"" + type.keyword() + "\" type mounts");
            }
        }
        if (type == RunMount.Type.SECRET) {
            if (from != null && !from.isEmpty()) {
                throw new InstructionError("secret mount should not have a from");
            }
            if (sharing != null) {
                throw new InstructionError("secret mount should not define sharing");
            }
            if (isEmpty(source) && isEmpty(target) && isEmpty(id)) {
                throw new InstructionError("invalid secret mount. one of source, target required");
            }
            if (!isEmpty(source) && !isEmpty(id)) {
                throw new InstructionError("both source and id can't be set");
            }
        }
        if (sharing != null && type != RunMount.Type.CACHE) {
            throw new InstructionError("invalid cache sharing set for " + type.keyword() + " mount");
        }
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    private static RunMount.Type mountType(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        for (RunMount.Type t : RunMount.Type.values()) {
            if (t.keyword().equals(v)) {
                return t;
            }
        }
        throw new InstructionError(Suggestions.withHint("unsupported mount type \"" + value + "\"", value,
                List.of("bind", "cache", "tmpfs", "secret", "ssh"), true, ""));
    }

    private static RunMount.Sharing sharing(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        for (RunMount.Sharing s : RunMount.Sharing.values()) {
            if (s.keyword().equals(v)) {
                return s;
            }
        }
        throw new InstructionError(Suggestions.withHint("unsupported sharing value \"" + value + "\"", value,
                List.of("shared", "private", "locked"), true, ""));
    }

    /** Go's {@code strconv.ParseBool}. */
    private static boolean parseBool(String key, String value) {
        return switch (value) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new InstructionError("invalid value for " + key + ": " + value);
        };
    }

    private static long parseUnsigned(String value, int radix, String what) {
        try {
            if (value.isEmpty() || value.startsWith("+") || value.startsWith("-")) {
                throw new NumberFormatException();
            }
            long v = Long.parseLong(value, radix);
            if (v > 0xFFFF_FFFFL) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InstructionError("invalid value " + value + " for " + what);
        }
    }

    /** docker/go-units {@code RAMInBytes}: binary multipliers, {@code 64m} = 64 MiB. */
    static long ramInBytes(String key, String value) {
        Matcher m = RAM.matcher(value);
        if (!m.matches()) {
            throw new InstructionError("invalid value for " + key + ": " + value);
        }
        double n = Double.parseDouble(m.group(1).replaceAll("(\\.\\d+)\\..*", "$1"));
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        long mult = switch (unit) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            case "t" -> 1L << 40;
            case "p" -> 1L << 50;
            default -> 1L;
        };
        return (long) (n * mult);
    }

    /** Splits one CSV record (RFC 4180 quoting, {@code ""} inside quotes is a quote). */
    static List<String> csvFields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            field.setLength(0);
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new InstructionError("failed to parse csv mounts: extraneous or missing \" in quoted-field");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new InstructionError("failed to parse csv mounts: extraneous or missing \" in quoted-field");
                }
            } else {
                while (i < n && line.charAt(i) != ',') {
                    char c = line.charAt(i++);
                    if (c == '"') {
                        throw new InstructionError("failed to parse csv mounts: bare \" in non-quoted-field");
                    }
                    field.append(c);
                }
            }
            out.add(field.toString());
            if (i >= n) {
                return out;
            }
            i++; // the comma
        }
    }
}
