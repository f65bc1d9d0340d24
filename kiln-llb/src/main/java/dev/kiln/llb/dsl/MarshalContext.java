package dev.kiln.llb.dsl;

import dev.kiln.common.Platform;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What one marshal of a {@link State} resolves: image references to pinned ones and image
 * configs to process defaults, each reference looked up once. Without a resolver references
 * go through {@code pin} (identity by default) and no image config applies. Package-private;
 * lives for one marshal, one thread.
 */
final class MarshalContext {
    private final ImageMetaResolver resolver;
    private final Platform platform;
    private final UnaryOperator<String> pin;
    private final Map<String, ImageMetaResolver.Resolved> resolved = new HashMap<>();

    private MarshalContext(ImageMetaResolver resolver, Platform platform, UnaryOperator<String> pin) {
        this.resolver = resolver;
        this.platform = platform;
        this.pin = pin;
    }

    static MarshalContext pinningWith(UnaryOperator<String> pin) {
        return new MarshalContext(null, null, Objects.requireNonNull(pin, "pin"));
    }

    static MarshalContext resolvingWith(ImageMetaResolver resolver, Platform platform) {
        return new MarshalContext(Objects.requireNonNull(resolver, "resolver"), Objects.requireNonNull(platform, "platform"),
                null);
    }

    /** The reference an image source op names: pinned by the resolver unless it already has a digest. */
    String pin(String reference) {
        if (resolver == null) {
            return Objects.requireNonNull(pin.apply(reference), "pinned reference");
        }
        return reference.contains("@") ? reference : lookup(reference).reference();
    }

    /** The process defaults of image {@code reference}'s config; empty without a resolver. */
    ProcessDefaults config(String reference) {
        return resolver == null ? ProcessDefaults.EMPTY : lookup(reference).config();
    }

    ProcessDefaults resolve(LazyDefaults defaults) {
        return defaults.resolve(this::config);
    }

    private ImageMetaResolver.Resolved lookup(String reference) {
        ImageMetaResolver.Resolved r = resolved.get(reference);
        if (r == null) {
            r = Objects.requireNonNull(resolver.resolveImage(reference, platform), "resolved image");
            resolved.put(reference, r);
        }
        return r;
    }
}
