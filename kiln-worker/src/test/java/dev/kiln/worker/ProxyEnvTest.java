package dev.kiln.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.llb.ExecMeta;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.VertexMeta;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyEnvTest {
    private static final ExecOp OP = new ExecOp(new ExecMeta(List.of("sh"), List.of("PATH=/bin", "no_proxy=set"), "/", "", "",
            null), List.of(new dev.kiln.llb.ExecMount(-1, "/", 0, false, "", dev.kiln.llb.ExecMount.MountType.BIND,
            null, null, null, null)), ExecOp.NetworkMode.DEFAULT, ExecOp.SecurityMode.SANDBOX);

    @Test
    void proxyVariablesFromTheDescriptionJoinTheEnvironmentUnlessAlreadySet() {
        ExecOp run = ProxyEnv.apply(OP, new VertexMeta("RUN", false, Map.of("location", "Dockerfile:2",
                "proxy.env.HTTP_PROXY", "http://p:1", "proxy.env.no_proxy", "other")));
        assertThat(run.meta().env()).containsExactly("PATH=/bin", "no_proxy=set", "HTTP_PROXY=http://p:1");
        assertThat(ProxyEnv.apply(OP, VertexMeta.named("RUN"))).isSameAs(OP);
    }
}
