package dev.kiln.dockerfile.instructions;

/**
 * A key and value of ENV or LABEL. {@code noDelim} is true for the legacy {@code ENV key value}
 * form (no {@code =}). Keys and values are as written (quotes included) until expanded.
 */
public record KeyValue(String key, String value, boolean noDelim) {
    KeyValue expand(WordExpander e) {
        return new KeyValue(e.expand(key), e.expand(value), noDelim);
    }
}
