package io.pim.metalearner.testing;

import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@code @ExtendWith(RegistryExtension.class)}: an {@link EmbeddedRegistry} parameter is the one
 * Apicurio registry of this test JVM (a child process, about 10 s to start), started by the first
 * class that asks and stopped when the run ends. Don't close it; a test that takes the registry
 * away puts a {@code RegistryProxy} in front of it instead.
 */
public final class RegistryExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedRegistry.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return shared(context);
    }

    public static EmbeddedRegistry shared(ExtensionContext context) {
        return SharedResources.once(context, EmbeddedRegistry.class, EmbeddedRegistry::start);
    }
}
