package io.pim.metalearner.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@code @ExtendWith(KafkaExtension.class)}: a {@link TestKafka} parameter (of a test, a
 * constructor or a {@code @BeforeAll} method) is the one broker of this test JVM, started by
 * the first class that asks and stopped when the run ends. Tests that share it share no data:
 * each uses topics, application ids and groups of its own ({@link TestNames}).
 */
public final class KafkaExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return shared(context);
    }

    public static TestKafka shared(ExtensionContext context) {
        return SharedResources.once(context, TestKafka.class, TestKafka::startOwn);
    }
}
