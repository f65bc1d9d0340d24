package dev.kiln.dockerfile.instructions;

/**
 * An inline source of COPY/ADD given as a heredoc ({@code COPY <<EOF /dest}). {@code path} is the
 * heredoc name (the file name created), {@code data} its content (tabs already stripped for
 * {@code <<-}), {@code expand} false when the delimiter was quoted.
 */
public record SourceContent(String path, String data, boolean expand) {
}
