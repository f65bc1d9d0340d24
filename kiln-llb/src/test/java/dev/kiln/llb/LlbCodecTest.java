package dev.kiln.llb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class LlbCodecTest {

    @Property
    void attributeOrderDoesNotChangeTheDigest(@ForAll Map<String, String> attrs) {
        Map<String, String> reversed = new LinkedHashMap<>();
        List<String> keys = new java.util.ArrayList<>(attrs.keySet());
        java.util.Collections.reverse(keys);
        keys.forEach(k -> reversed.put(k, attrs.get(k)));
        Vertex a = Vertex.of(new SourceOp("local://context", attrs), List.of(), VertexMeta.NONE);
        Vertex b = Vertex.of(new SourceOp("local://context", reversed), List.of(), VertexMeta.named("other name"));
        assertThat(a.digest()).isEqualTo(b.digest());
    }

    @Test
    void differentOpsAndInputsGiveDifferentDigests() {
        DefinitionBuilder b = new DefinitionBuilder();
        Edge img = b.add(SourceOp.of("docker-image://docker.io/library/busybox:latest"), List.of(), VertexMeta.NONE);
        Edge ctx = b.add(SourceOp.of("local://context"), List.of(), VertexMeta.NONE);
        ExecOp run = new ExecOp(new ExecMeta(List.of("/bin/sh", "-c", "true"), List.of("PATH=/bin"), "/", "", "", null),
                List.of(ExecMount.root(0)), null, null);
        Edge onImg = b.add(run, List.of(img), VertexMeta.NONE);
        Edge onCtx = b.add(run, List.of(ctx), VertexMeta.NONE);
        assertThat(onImg.vertex()).isNotEqualTo(onCtx.vertex());
        assertThat(b.add(run, List.of(img), VertexMeta.named("again"))).isEqualTo(onImg);
    }

    @Test
    void definitionRoundTripsAndPrunesUnusedVertices() throws Exception {
        DefinitionBuilder b = new DefinitionBuilder();
        Edge img = b.add(SourceOp.of("docker-image://docker.io/library/busybox:latest"), List.of(), VertexMeta.named("FROM"));
        b.add(SourceOp.of("local://unused"), List.of(), VertexMeta.NONE);
        Edge ctx = b.add(new SourceOp("local://context", Map.of(SourceOp.ATTR_INCLUDE, "[\"a\"]")), List.of(), VertexMeta.NONE);
        FileOp copy = new FileOp(0, List.of(new FileAction.Copy(1, "/a", "/app/", new FileAction.Chown("1000", null), "755",
                true, true, true, true, false, null, null, false, null, false),
                new FileAction.Mkfile("/x", 0644, "hi".getBytes(), null, 0L)));
        Edge top = b.add(copy, List.of(img, ctx), VertexMeta.named("[1/2] COPY a /app/"));
        Definition def = b.build(Optional.of(top));
        assertThat(def.vertices()).hasSize(3);

        byte[] bytes = LlbCodec.encode(def);
        Definition back = LlbCodec.decode(bytes);
        assertThat(back.vertices()).containsExactlyElementsOf(def.vertices());
        assertThat(back.root()).isEqualTo(def.root());
        assertThat(LlbCodec.encode(back)).isEqualTo(bytes);
    }

    @Test
    void definitionRejectsInputsListedAfterTheirUsers() {
        Vertex src = Vertex.of(SourceOp.of("local://context"), List.of(), VertexMeta.NONE);
        Vertex user = Vertex.of(new MergeOp(1), List.of(new Edge(src.digest(), 0)), VertexMeta.NONE);
        assertThatThrownBy(() -> new Definition(List.of(user, src), Optional.empty()))
                .hasMessageContaining("not listed before it");
    }
}
