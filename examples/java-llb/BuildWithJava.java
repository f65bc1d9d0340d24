import dev.kiln.client.KilnClient;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.llb.dsl.FileActions;
import dev.kiln.llb.dsl.State;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds an image from Java code, no Dockerfile: FROM busybox:latest, a file copied in from a
 * second graph, a RUN that reads it, tagged as given. Usage (as root, busybox:latest in the
 * store, e.g. from examples/build.sh):
 * <pre>
 *   java -cp 'kiln-cli/target/*:kiln-cli/target/lib/*' examples/java-llb/BuildWithJava.java STATE_DIR|ADDR TAG
 * </pre>
 * or {@code examples/java-llb/run.sh STATE_DIR|ADDR TAG}: a state dir builds in this process,
 * a kilnd address ({@code unix:///run/kiln/kilnd.sock}, {@code tcp://…}) through that daemon.
 * Either way {@code busybox:latest} is pinned to its digest and its config's PATH applies to
 * the RUN. Progress is printed to stderr, the manifest digest to stdout.
 */
public class BuildWithJava {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BuildWithJava STATE_DIR|unix://SOCKET|tcp://HOST:PORT TAG");
            System.exit(2);
        }
        State greeting = State.scratch()
                .file(FileActions.mkfile("/greeting.txt", 0644, "hello from a Java-built graph\n"));
        State image = State.image("busybox:latest")
                .env("BUILT_BY", "java-llb")
                .dir("/app")
                .file(FileActions.copy(greeting, "/greeting.txt", "greeting.txt"))
                .run("echo \"$BUILT_BY says: $(cat greeting.txt)\" | tee built.txt");
        boolean daemon = args[0].startsWith("unix://") || args[0].startsWith("tcp://");
        try (KilnClient client = daemon ? KilnClient.connect(args[0]) : KilnClient.embedded(Path.of(args[0]))) {
            var result = client.solve(image, null, List.of(args[1]), BuildWithJava::print);
            System.out.println(result.manifest().digest());
        }
    }

    private static void print(ProgressEvent e) {
        switch (e) {
            case ProgressEvent.Started s -> System.err.println("started   " + s.name());
            case ProgressEvent.Cached c -> System.err.println("cached    " + c.name());
            case ProgressEvent.Completed c -> System.err.println((c.error() == null ? "done      " : "FAILED    ")
                    + c.name() + (c.error() == null ? "" : ": " + c.error()));
            case ProgressEvent.Log l -> System.err.print("  | " + new String(l.data(), StandardCharsets.UTF_8));
            default -> { }
        }
    }
}
