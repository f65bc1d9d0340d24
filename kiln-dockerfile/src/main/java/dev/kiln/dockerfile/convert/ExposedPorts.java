package dev.kiln.dockerfile.convert;

import dev.kiln.common.SourceException;
import dev.kiln.dockerfile.instructions.ExposeInstruction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses EXPOSE values as Docker does: {@code 80}, {@code 80/udp}, ranges {@code 8000-8002/tcp}. */
final class ExposedPorts {
    private ExposedPorts() {}

    static List<String> expand(String value, ExposeInstruction at) {
        String v = value.trim();
        int colon = v.lastIndexOf(':');
        if (colon >= 0) {
            v = v.substring(colon + 1);
        }
        String proto = "tcp";
        int slash = v.indexOf('/');
        if (slash >= 0) {
            proto = v.substring(slash + 1).toLowerCase(Locale.ROOT);
            v = v.substring(0, slash);
        }
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
            throw new SourceException(at.location(), "invalid proto: " + proto, at.original());
        }
        try {
            int dash = v.indexOf('-');
            int start = Integer.parseInt(dash < 0 ? v : v.substring(0, dash));
            int end = dash < 0 ? start : Integer.parseInt(v.substring(dash + 1));
            if (start < 1 || end > 65535 || end < start) {
                throw new NumberFormatException();
            }
            List<String> out = new ArrayList<>();
            for (int p = start; p <= end; p++) {
                out.add(p + "/" + proto);
            }
            return out;
        } catch (NumberFormatException e) {
            throw new SourceException(at.location(), "invalid containerPort: " + value, at.original());
        }
    }
}
