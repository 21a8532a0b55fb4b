package io.pim.metalearner.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@code @ExtendWith(PostgresExtension.class)}: a {@link TestPostgres} parameter is the one
 * embedded PostgreSQL of this test JVM, started by the first class that asks and stopped when the
 * run ends. A test that stops or restarts its database starts an {@code EmbeddedDatabase} of its own.
 */
public final class PostgresExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestPostgres.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return shared(context);
    }

    public static TestPostgres shared(ExtensionContext context) {
        return SharedResources.once(context, TestPostgres.class, TestPostgres::startOwn);
    }
}
