package dev.kiln.common.files;

import java.util.ArrayList;
import java.util.List;

/** Slash-separated paths inside a tree (a build context, an image), handled as text. */
public final class RelativePaths {
    private RelativePaths() {}

    /**
     * The cleaned relative form of {@code path}: no leading slash or {@code ./}, no empty or
     * {@code .} components, and {@code ..} resolved lexically without ever climbing above the
     * root ({@code ../x} is {@code x}), as BuildKit cleans COPY sources and .dockerignore
     * paths. The root itself is the empty string.
     */
    public static String clean(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (!out.isEmpty()) {
                    out.removeLast();
                }
                continue;
            }
            out.add(s);
        }
        return String.join("/", out);
    }
}
