package io.pim.metalearner.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;

/** One instance per test JVM of each shared resource, in the root context's store, closed when the run ends. */
final class SharedResources {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedResources.class);

    private SharedResources() {
    }

    @FunctionalInterface
    interface Starter<T extends AutoCloseable> {
        T start() throws Exception;
    }

    static <T extends AutoCloseable> T once(ExtensionContext context, Class<T> type, Starter<T> starter) {
        // the root store closes AutoCloseable values when the whole run ends (JUnit 5.13)
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(type, key -> {
            try {
                return starter.start();
            } catch (Exception e) {
                throw new ParameterResolutionException("could not start the shared " + type.getSimpleName() + ": " + e, e);
            }
        }, type);
    }
}
