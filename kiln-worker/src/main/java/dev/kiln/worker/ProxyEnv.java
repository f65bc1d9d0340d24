package dev.kiln.worker;

import dev.kiln.llb.ExecMeta;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.VertexMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The proxy variables of a RUN (HTTP_PROXY, https_proxy, NO_PROXY…, given as build args
 * without an ARG): the frontend puts them in the vertex's description under
 * {@value #PREFIX}NAME rather than in the op, so they reach the process environment but not
 * the cache key or the image history, as BuildKit's ProxyEnv. Stateless.
 */
final class ProxyEnv {
    /** Description keys that carry a proxy variable. */
    static final String PREFIX = "proxy.env.";

    private ProxyEnv() {}

    /** The exec op to run: {@code op} with the proxy variables its env does not set already. */
    static ExecOp apply(ExecOp op, VertexMeta meta) {
        List<String> extra = new ArrayList<>();
        for (Map.Entry<String, String> e : meta.description().entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                continue;
            }
            String name = e.getKey().substring(PREFIX.length());
            if (op.meta().env().stream().noneMatch(kv -> kv.startsWith(name + "="))) {
                extra.add(name + "=" + e.getValue());
            }
        }
        if (extra.isEmpty()) {
            return op;
        }
        List<String> env = new ArrayList<>(op.meta().env());
        env.addAll(extra);
        ExecMeta m = op.meta();
        return new ExecOp(new ExecMeta(m.args(), env, m.cwd(), m.user(), m.hostname(), m.extraHosts()), op.mounts(),
                op.network(), op.security());
    }
}
