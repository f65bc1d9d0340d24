package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceException;
import dev.kiln.common.SourceLocation;
import dev.kiln.dockerfile.parser.DockerfileParser;
import dev.kiln.dockerfile.parser.Node;
import dev.kiln.dockerfile.parser.ParseResult;
import dev.kiln.dockerfile.parser.ParseWarning;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns a parsed Dockerfile into a {@link DockerfileModel}: one typed record per instruction,
 * grouped into stages, with flags checked and arguments counted. Values are not expanded here
 * (see {@link Expandable}). Every error is a {@link SourceException} with file and line, e.g.
 * {@code Dockerfile:1: unknown instruction FORM (did you mean FROM?)}. Stateless.
 */
public final class InstructionParser {
    private static final Pattern STAGE_NAME = Pattern.compile("^[a-z][a-z0-9-_.]*$");

    private InstructionParser() {
    }

    /** Parses {@code text} (named {@code fileName} in messages) into a model. */
    public static DockerfileModel parse(String fileName, String text) {
        return parse(DockerfileParser.parse(fileName, text));
    }

    /** Builds the model from an already parsed syntax tree. */
    public static DockerfileModel parse(ParseResult parsed) {
        String file = parsed.fileName();
        List<Warning> warnings = new ArrayList<>();
        for (ParseWarning w : parsed.warnings()) {
            warnings.add(LintRules.warning("NoEmptyContinuation", w.message(), SourceLocation.of(file, w.line())));
        }
        List<ArgInstruction> metaArgs = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        Map<String, Stage> byName = new HashMap<>();
        StageBuilder current = null;
        Node lastNode = null;
        for (Node node : parsed.ast().children()) {
            lastNode = node;
            String keyword = node.value().toLowerCase(Locale.ROOT);
            SourceLocation loc = node.location(file);
            if (keyword.equals("from")) {
                if (current != null) {
                    stages.add(current.build());
                }
                current = parseFrom(node, loc, stages.size(), warnings);
                if (current.name != null) {
                    String lower = current.name.toLowerCase(Locale.ROOT);
                    if (byName.containsKey(lower)) {
                        throw new SourceException(loc, "duplicate stage name \"" + current.name + "\"", node.original());
                    }
                    byName.put(lower, null);
                }
                continue;
            }
            Instruction instruction = parseInstruction(node, file);
            if (instruction instanceof MaintainerInstruction) {
                warnings.add(LintRules.warning("MaintainerDeprecated", "Maintainer instruction is deprecated in favor of using label", loc));
            }
            if (current == null) {
                if (instruction instanceof ArgInstruction arg) {
                    metaArgs.add(arg);
                    continue;
                }
                throw new SourceException(loc, instruction.keyword() + " before the first FROM: only ARG may come before FROM"
                        + " (no build stage in current context)", node.original());
            }
            current.commands.add(instruction);
        }
        if (current == null) {
            int line = lastNode == null ? 1 : lastNode.endLine();
            throw new SourceException(SourceLocation.of(file, line),
                    "the Dockerfile has no FROM instruction: no build stage to build", null);
        }
        stages.add(current.build());
        LintRules.check(file, parsed.ast().children(), stages, warnings);
        return new DockerfileModel(metaArgs, stages, parsed.directives(), warnings);
    }

    /** Collects one stage's instructions. */
    private static final class StageBuilder {
        final int index;
        final String name;
        final String baseName;
        final String platform;
        final SourceLocation location;
        final String original;
        final List<Instruction> commands = new ArrayList<>();

        StageBuilder(int index, String name, String baseName, String platform, SourceLocation location, String original) {
            this.index = index;
            this.name = name;
            this.baseName = baseName;
            this.platform = platform;
            this.location = location;
            this.original = original;
        }

        Stage build() {
            return new Stage(index, name, baseName, platform, commands, location, original);
        }
    }

    private static StageBuilder parseFrom(Node node, SourceLocation loc, int index, List<Warning> warnings) {
        return Located.run(loc, node.original(), () -> {
            List<String> args = Requests.args(node);
            String name = null;
            if (args.size() == 3 && args.get(1).equalsIgnoreCase("as")) {
                name = args.get(2);
                if (!STAGE_NAME.matcher(name.toLowerCase(Locale.ROOT)).matches()) {
                    throw new InstructionError("invalid name for build stage: \"" + name
                            + "\", name can't start with a number or contain symbols");
                }
                if (!name.equals(name.toLowerCase(Locale.ROOT))) {
                    warnings.add(LintRules.warning("StageNameCasing", "Stage name '" + name + "' should be lowercase", loc));
                }
                String kw = node.value();
                String as = args.get(1);
                boolean kwLower = kw.equals(kw.toLowerCase(Locale.ROOT));
                boolean kwUpper = kw.equals(kw.toUpperCase(Locale.ROOT));
                if ((kwLower && !as.equals(as.toLowerCase(Locale.ROOT))) || (kwUpper && !kwLower && !as.equals(as.toUpperCase(Locale.ROOT)))) {
                    warnings.add(LintRules.warning("FromAsCasing", "'" + as + "' and '" + kw + "' keywords' casing do not match", loc));
                }
            } else if (args.size() != 1) {
                throw new InstructionError("FROM requires either one or three arguments");
            }
            InstructionFlags flags = new InstructionFlags(node.flags());
            flags.string("platform", "");
            flags.parse();
            String platform = flags.isUsed("platform") ? flags.string("platform") : null;
            return new StageBuilder(index, name, args.getFirst(), platform, loc, node.original().strip());
        });
    }

    /**
     * Parses the ONBUILD triggers of a base image (its config's {@code OnBuild} list, each an
     * {@link OnbuildInstruction#expression()}) into the instructions to run at the start of a
     * stage built on it. {@code source} names the image in error messages.
     *
     * @throws SourceException when a trigger is not a valid instruction or is FROM/ONBUILD/MAINTAINER
     */
    public static List<Instruction> parseTriggers(String source, List<String> triggers) {
        if (triggers.isEmpty()) {
            return List.of();
        }
        ParseResult parsed = DockerfileParser.parse(source, String.join("\n", triggers));
        List<Instruction> out = new ArrayList<>();
        for (Node node : parsed.ast().children()) {
            String keyword = node.value().toUpperCase(Locale.ROOT);
            if (keyword.equals("FROM") || keyword.equals("ONBUILD") || keyword.equals("MAINTAINER")) {
                throw new SourceException(node.location(source), keyword + " isn't allowed as an ONBUILD trigger", node.original());
            }
            out.add(parseInstruction(node, source));
        }
        return List.copyOf(out);
    }

    /**
     * Parses one instruction node other than FROM.
     *
     * @throws SourceException for an unknown instruction, a bad flag or wrong arguments
     */
    public static Instruction parseInstruction(Node node, String file) {
        SourceLocation loc = node.location(file);
        return Located.run(loc, node.original(), () -> Requests.dispatch(node, loc));
    }
}
