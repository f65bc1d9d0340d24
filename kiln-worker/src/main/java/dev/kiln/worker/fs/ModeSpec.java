package dev.kiln.worker.fs;

/**
 * A {@code --chmod} value: octal ({@code 755}, {@code 0644}) or symbolic
 * ({@code u+x,go-w}, {@code a=rX}), applied to an existing mode.
 */
public final class ModeSpec {
    private final String spec;
    private final Integer octal;

    private ModeSpec(String spec, Integer octal) {
        this.spec = spec;
        this.octal = octal;
    }

    public static ModeSpec parse(String spec) {
        if (spec.matches("[0-7]{1,4}")) {
            return new ModeSpec(spec, Integer.parseInt(spec, 8));
        }
        if (!spec.matches("([ugoa]*[-+=][rwxXst]*)(,[ugoa]*[-+=][rwxXst]*)*")) {
            throw new IllegalArgumentException("invalid chmod " + spec + ": want octal (0755) or symbolic (u+x,go-w)");
        }
        return new ModeSpec(spec, null);
    }

    /** The new permission bits for an entry with {@code mode}; {@code dir} matters for {@code X}. */
    public int apply(int mode, boolean dir) {
        if (octal != null) {
            return octal;
        }
        int m = mode & 07777;
        for (String clause : spec.split(",")) {
            int i = 0;
            int who = 0;
            while (i < clause.length() && "ugoa".indexOf(clause.charAt(i)) >= 0) {
                who |= switch (clause.charAt(i)) {
                    case 'u' -> 04700;
                    case 'g' -> 02070;
                    case 'o' -> 01007;
                    default -> 07777;
                };
                i++;
            }
            if (who == 0) {
                who = 07777;
            }
            char op = clause.charAt(i++);
            int bits = 0;
            for (; i < clause.length(); i++) {
                bits |= switch (clause.charAt(i)) {
                    case 'r' -> 0444;
                    case 'w' -> 0222;
                    case 'x' -> 0111;
                    case 'X' -> (dir || (m & 0111) != 0) ? 0111 : 0;
                    case 's' -> 06000;
                    case 't' -> 01000;
                    default -> 0;
                };
            }
            bits &= who;
            m = switch (op) {
                case '+' -> m | bits;
                case '-' -> m & ~bits;
                default -> (m & ~(who & 0777)) | bits;
            };
        }
        return m;
    }
}
