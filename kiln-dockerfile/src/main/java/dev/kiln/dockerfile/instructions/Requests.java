package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import dev.kiln.dockerfile.parser.DockerfileParser;
import dev.kiln.dockerfile.parser.Heredoc;
import dev.kiln.dockerfile.parser.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The per-keyword rules that turn one instruction node into its record: argument counts, flags
 * each instruction accepts, JSON-only forms, heredoc sources. Package-private worker of
 * {@link InstructionParser}; stateless. Errors are {@link InstructionError}s, located by the caller.
 */
final class Requests {
    static final List<String> KEYWORDS = List.of("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
            "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR");
    private static final Pattern ONBUILD_PREFIX = Pattern.compile("(?i)^\\s*ONBUILD\\s*");

    private Requests() {
    }

    /** The arguments of an instruction node; ONBUILD's sub-instruction is flattened (keyword then its args). */
    static List<String> args(Node node) {
        List<String> out = new ArrayList<>();
        for (Node n = node.next(); n != null; n = n.next()) {
            if (n.children().isEmpty()) {
                out.add(n.value());
            } else if (n.children().size() == 1) {
                Node sub = n.children().getFirst();
                out.add(sub.value());
                out.addAll(args(sub));
            }
        }
        return out;
    }

    static Instruction dispatch(Node node, SourceLocation loc) {
        String keyword = node.value().toLowerCase(Locale.ROOT);
        List<String> args = args(node);
        InstructionFlags flags = new InstructionFlags(node.flags());
        String orig = node.original();
        return switch (keyword) {
            case "run" -> run(node, args, flags, loc);
            case "cmd" -> {
                flags.parse();
                yield new CmdInstruction(commandLine(args, node.isJson()), !node.isJson(), loc, orig);
            }
            case "entrypoint" -> {
                flags.parse();
                yield new EntrypointInstruction(commandLine(args, node.isJson()), !node.isJson(), loc, orig);
            }
            case "shell" -> {
                flags.parse();
                List<String> shell = commandLine(args, node.isJson());
                if (shell.isEmpty()) {
                    throw atLeastOne("SHELL");
                }
                if (!node.isJson()) {
                    throw new InstructionError("SHELL requires the arguments to be in JSON form");
                }
                yield new ShellInstruction(shell, loc, orig);
            }
            case "env" -> {
                flags.parse();
                yield new EnvInstruction(keyValues(args, "ENV"), loc, orig);
            }
            case "label" -> {
                flags.parse();
                yield new LabelInstruction(keyValues(args, "LABEL"), loc, orig);
            }
            case "maintainer" -> new MaintainerInstruction(exactlyOne(args, flags, "MAINTAINER"), loc, orig);
            case "user" -> new UserInstruction(exactlyOne(args, flags, "USER"), loc, orig);
            case "workdir" -> new WorkdirInstruction(exactlyOne(args, flags, "WORKDIR"), loc, orig);
            case "stopsignal" -> new StopSignalInstruction(exactlyOne(args, flags, "STOPSIGNAL"), loc, orig);
            case "expose" -> {
                if (args.isEmpty()) {
                    throw atLeastOne("EXPOSE");
                }
                flags.parse();
                yield new ExposeInstruction(args, loc, orig);
            }
            case "volume" -> {
                if (args.isEmpty()) {
                    throw atLeastOne("VOLUME");
                }
                flags.parse();
                List<String> volumes = new ArrayList<>();
                for (String v : args) {
                    if (v.isBlank()) {
                        throw new InstructionError("VOLUME specified can not be an empty string");
                    }
                    volumes.add(v.strip());
                }
                yield new VolumeInstruction(volumes, loc, orig);
            }
            case "arg" -> arg(args, flags, loc, orig);
            case "copy" -> copy(node, args, flags, loc);
            case "add" -> add(node, args, flags, loc);
            case "onbuild" -> onbuild(node, args, flags, loc);
            case "healthcheck" -> healthcheck(node, args, flags, loc);
            case "from" -> throw new InstructionError("FROM is not allowed here");
            default -> throw new InstructionError(Suggestions.withHint("unknown instruction " + node.value(), node.value(),
                    KEYWORDS, false, ""));
        };
    }

    private static InstructionError atLeastOne(String keyword) {
        return new InstructionError(keyword + " requires at least one argument");
    }

    private static String exactlyOne(List<String> args, InstructionFlags flags, String keyword) {
        if (args.size() != 1) {
            throw new InstructionError(keyword + " requires exactly one argument");
        }
        flags.parse();
        return args.getFirst();
    }

    /** Exec form: the vector; shell form: the words joined by one space (BuildKit's handleJSONArgs). */
    private static List<String> commandLine(List<String> args, boolean json) {
        if (args.isEmpty()) {
            return List.of();
        }
        return json ? args : List.of(String.join(" ", args));
    }

    private static List<KeyValue> keyValues(List<String> args, String keyword) {
        if (args.isEmpty()) {
            throw atLeastOne(keyword);
        }
        if (args.size() % 3 != 0) {
            throw new InstructionError("Bad input to " + keyword + ", too many arguments");
        }
        List<KeyValue> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 3) {
            if (args.get(i).isEmpty()) {
                throw new InstructionError(keyword + " names can not be blank");
            }
            out.add(new KeyValue(args.get(i), args.get(i + 1), args.get(i + 2).isEmpty()));
        }
        return out;
    }

    private static ArgInstruction arg(List<String> args, InstructionFlags flags, SourceLocation loc, String orig) {
        if (args.isEmpty()) {
            throw atLeastOne("ARG");
        }
        flags.parse();
        List<ArgInstruction.Arg> out = new ArrayList<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq == 0) {
                throw new InstructionError("ARG names can not be blank");
            }
            out.add(eq < 0 ? new ArgInstruction.Arg(a, null) : new ArgInstruction.Arg(a.substring(0, eq), a.substring(eq + 1)));
        }
        return new ArgInstruction(out, loc, orig);
    }

    private static RunInstruction run(Node node, List<String> args, InstructionFlags flags, SourceLocation loc) {
        flags.strings("mount");
        flags.string("network", "default");
        flags.string("security", "sandbox");
        flags.parse();
        List<String> command = commandLine(args, node.isJson());
        if (command.isEmpty() && node.heredocs().isEmpty()) {
            throw atLeastOne("RUN");
        }
        List<String> specs = flags.values("mount");
        List<RunMount> mounts = specs.stream().map(s -> MountParser.parse(s, WordExpander.identity(), true)).toList();
        return new RunInstruction(command, !node.isJson(), node.heredocs(), specs, mounts,
                NetworkMode.parse(flags.string("network")), SecurityMode.parse(flags.string("security")), loc, node.original());
    }

    /** Sources (paths and heredoc contents) and destination of COPY/ADD. */
    private record SourcesAndDest(List<String> paths, List<SourceContent> contents, String dest) {
    }

    private static SourcesAndDest sourcesAndDest(Node node, List<String> args, String keyword) {
        String dest = args.getLast();
        if (DockerfileParser.parseHeredoc(dest) != null) {
            throw new InstructionError(keyword + " cannot accept a heredoc as a destination");
        }
        Map<String, Heredoc> byName = new HashMap<>();
        for (Heredoc h : node.heredocs()) {
            byName.put(h.name(), h);
        }
        List<String> paths = new ArrayList<>();
        List<SourceContent> contents = new ArrayList<>();
        for (String src : args.subList(0, args.size() - 1)) {
            Heredoc word = DockerfileParser.parseHeredoc(src);
            if (word == null) {
                paths.add(src);
                continue;
            }
            Heredoc full = byName.get(word.name());
            String content = full == null ? "" : full.content();
            if (word.chomp()) {
                content = Heredoc.chompContent(content);
            }
            contents.add(new SourceContent(word.name(), content, word.expand()));
        }
        return new SourcesAndDest(paths, contents, dest);
    }

    private static String optional(InstructionFlags flags, String name) {
        return flags.isUsed(name) ? flags.string(name) : null;
    }

    private static CopyInstruction copy(Node node, List<String> args, InstructionFlags flags, SourceLocation loc) {
        if (args.size() < 2) {
            throw new InstructionError("COPY requires at least two arguments, but only one was provided. Destination could not be determined");
        }
        flags.string("chown", "");
        flags.string("from", "");
        flags.string("chmod", "");
        flags.bool("link");
        flags.strings("exclude");
        flags.bool("parents");
        flags.parse();
        SourcesAndDest sd = sourcesAndDest(node, args, "COPY");
        return new CopyInstruction(sd.paths(), sd.contents(), sd.dest(), optional(flags, "from"), optional(flags, "chown"),
                optional(flags, "chmod"), flags.isTrue("link"), flags.isTrue("parents"), flags.values("exclude"), loc,
                node.original());
    }

    private static AddInstruction add(Node node, List<String> args, InstructionFlags flags, SourceLocation loc) {
        if (args.size() < 2) {
            throw new InstructionError("ADD requires at least two arguments, but only one was provided. Destination could not be determined");
        }
        flags.string("chown", "");
        flags.string("chmod", "");
        flags.bool("link");
        flags.bool("keep-git-dir");
        flags.string("checksum", "");
        flags.bool("unpack");
        flags.strings("exclude");
        flags.parse();
        SourcesAndDest sd = sourcesAndDest(node, args, "ADD");
        return new AddInstruction(sd.paths(), sd.contents(), sd.dest(), optional(flags, "chown"), optional(flags, "chmod"),
                flags.isTrue("link"), optional(flags, "checksum"), flags.optionalBool("keep-git-dir"),
                flags.optionalBool("unpack"), flags.values("exclude"), loc, node.original());
    }

    private static OnbuildInstruction onbuild(Node node, List<String> args, InstructionFlags flags, SourceLocation loc) {
        if (args.isEmpty()) {
            throw atLeastOne("ONBUILD");
        }
        flags.parse();
        String trigger = args.getFirst().strip().toUpperCase(Locale.ROOT);
        switch (trigger) {
            case "ONBUILD" -> throw new InstructionError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "MAINTAINER", "FROM" -> throw new InstructionError(trigger + " isn't allowed as an ONBUILD trigger");
            default -> {
            }
        }
        Node inner = node.next().children().getFirst();
        dispatch(inner, loc); // the trigger must itself be a valid instruction
        StringBuilder expression = new StringBuilder(ONBUILD_PREFIX.matcher(node.original()).replaceAll(""));
        for (Heredoc h : node.heredocs()) {
            expression.append('\n').append(h.content()).append(h.name());
        }
        return new OnbuildInstruction(expression.toString(), loc, node.original());
    }

    private static HealthcheckInstruction healthcheck(Node node, List<String> args, InstructionFlags flags, SourceLocation loc) {
        if (args.isEmpty()) {
            throw atLeastOne("HEALTHCHECK");
        }
        String type = args.getFirst().toUpperCase(Locale.ROOT);
        List<String> rest = args.subList(1, args.size());
        if (type.equals("NONE")) {
            if (!rest.isEmpty()) {
                throw new InstructionError("HEALTHCHECK NONE takes no arguments");
            }
            flags.parse();
            return new HealthcheckInstruction(List.of("NONE"), Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0,
                    loc, node.original());
        }
        for (String f : List.of("interval", "timeout", "start-period", "start-interval", "retries")) {
            flags.string(f, "");
        }
        flags.parse();
        if (!type.equals("CMD")) {
            throw new InstructionError("Unknown type \"" + type + "\" in HEALTHCHECK (try CMD)");
        }
        List<String> cmd = commandLine(rest, node.isJson());
        if (cmd.isEmpty()) {
            throw new InstructionError("Missing command after HEALTHCHECK CMD");
        }
        List<String> test = new ArrayList<>();
        test.add(node.isJson() ? "CMD" : "CMD-SHELL");
        test.addAll(cmd);
        int retries = 0;
        String r = flags.string("retries");
        if (!r.isEmpty()) {
            try {
                retries = Integer.parseInt(r);
            } catch (NumberFormatException e) {
                throw new InstructionError("invalid --retries value \"" + r + "\": not an integer");
            }
            if (retries < 0) {
                throw new InstructionError("--retries cannot be negative (" + retries + ")");
            }
        }
        return new HealthcheckInstruction(test, interval(flags, "interval"), interval(flags, "timeout"),
                interval(flags, "start-period"), interval(flags, "start-interval"), retries, loc, node.original());
    }

    private static Duration interval(InstructionFlags flags, String name) {
        String s = flags.string(name);
        if (s.isEmpty()) {
            return Duration.ZERO;
        }
        Duration d;
        try {
            d = GoDuration.parse(s);
        } catch (IllegalArgumentException e) {
            throw new InstructionError("--" + name + ": " + e.getMessage());
        }
        if (d.isZero()) {
            return d;
        }
        if (d.compareTo(Duration.ofMillis(1)) < 0) {
            throw new InstructionError("Interval \"" + name + "\" cannot be less than 1ms");
        }
        return d;
    }
}
