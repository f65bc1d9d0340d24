package dev.kiln.engine;

import dev.kiln.common.KilnException;
import dev.kiln.llb.Definition;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.Vertex;
import java.util.Set;

/**
 * Checks, before anything runs, that a build's definition asks for no privilege the client did not
 * grant: {@code RUN --network=host} needs {@code --allow network.host} and
 * {@code RUN --security=insecure} needs {@code --allow security.insecure}, as BuildKit's
 * entitlements do. Stateless.
 */
final class Entitlements {
    private Entitlements() {}

    /** Throws a {@link KilnException} naming the first step that needs an entitlement not in {@code granted}. */
    static void check(Definition definition, Set<String> granted) {
        for (Vertex v : definition.vertices()) {
            if (!(v.op() instanceof ExecOp e)) {
                continue;
            }
            String step = v.meta() == null || v.meta().name() == null ? String.join(" ", e.meta().args()) : v.meta().name();
            if (e.network() == ExecOp.NetworkMode.HOST && !granted.contains(BuildGrants.NETWORK_HOST)) {
                throw new KilnException("step \"" + step + "\" uses RUN --network=host, which needs the entitlement "
                        + BuildGrants.NETWORK_HOST + ": pass --allow " + BuildGrants.NETWORK_HOST);
            }
            if (e.security() == ExecOp.SecurityMode.INSECURE && !granted.contains(BuildGrants.SECURITY_INSECURE)) {
                throw new KilnException("step \"" + step + "\" uses RUN --security=insecure, which needs the entitlement "
                        + BuildGrants.SECURITY_INSECURE + ": pass --allow " + BuildGrants.SECURITY_INSECURE);
            }
        }
    }
}
