package dev.kiln.registry.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One authentication challenge from a {@code WWW-Authenticate} header (RFC 7235), e.g.
 * {@code Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"}.
 * The scheme is lower-cased; parameter names are lower-cased; values are unquoted.
 */
public record Challenge(String scheme, Map<String, String> params) {
    public Challenge {
        scheme = scheme.toLowerCase(Locale.ROOT);
        params = Map.copyOf(params);
    }

    public boolean isBearer() {
        return scheme.equals("bearer");
    }

    public boolean isBasic() {
        return scheme.equals("basic");
    }

    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT)));
    }

    /** Parses every challenge in the given header values (a header may hold several). */
    public static List<Challenge> parseAll(List<String> headerValues) {
        List<Challenge> all = new ArrayList<>();
        for (String value : headerValues) {
            all.addAll(parse(value));
        }
        return all;
    }

    /**
     * Parses one header value. A bare token starts a new challenge; {@code name=value} pairs
     * belong to the challenge before them. Malformed input is skipped rather than rejected:
     * registries in the wild send slightly broken headers and the realm is what matters.
     */
    public static List<Challenge> parse(String header) {
        List<Challenge> out = new ArrayList<>();
        Lexer lx = new Lexer(header);
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (true) {
            lx.skip(" \t,");
            if (lx.done()) {
                break;
            }
            String token = lx.token();
            if (token.isEmpty()) {
                lx.pos++;
                continue;
            }
            lx.skip(" \t");
            if (!lx.done() && lx.peek() == '=' && scheme != null) {
                lx.pos++;
                lx.skip(" \t");
                String value = !lx.done() && lx.peek() == '"' ? lx.quoted() : lx.token();
                params.put(token.toLowerCase(Locale.ROOT), value);
            } else {
                if (scheme != null) {
                    out.add(new Challenge(scheme, params));
                    params = new LinkedHashMap<>();
                }
                scheme = token;
            }
        }
        if (scheme != null) {
            out.add(new Challenge(scheme, params));
        }
        return out;
    }

    private static final class Lexer {
        private final String s;
        private int pos;

        Lexer(String s) {
            this.s = s == null ? "" : s;
        }

        boolean done() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        void skip(String chars) {
            while (!done() && chars.indexOf(peek()) >= 0) {
                pos++;
            }
        }

        String token() {
            int start = pos;
            while (!done() && " \t,=\"".indexOf(peek()) < 0) {
                pos++;
            }
            return s.substring(start, pos);
        }

        String quoted() {
            StringBuilder b = new StringBuilder();
            pos++; // opening quote
            while (!done() && peek() != '"') {
                char c = s.charAt(pos++);
                if (c == '\\' && !done()) {
                    c = s.charAt(pos++);
                }
                b.append(c);
            }
            pos++; // closing quote (or end)
            return b.toString();
        }
    }
}
