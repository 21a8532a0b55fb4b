package io.pim.metalearner.cli;

import io.pim.metalearner.config.ConfigFile;
import io.pim.metalearner.config.ConfigParts;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.config.ServiceConfig;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code metalearner config-reference}: the configuration reference (docs/CONFIG.md), generated
 * from the {@link ConfigDef}s themselves so the docs and the code cannot drift; a test fails when
 * the committed page differs from what this prints.
 */
@Command(name = "config-reference", mixinStandardHelpOptions = true,
        description = "Print the configuration reference (Markdown) of every key of run, writer and migrate.")
public final class ConfigReference implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(markdown());
        spec.commandLine().getOut().flush();
        return 0;
    }

    public static String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("""
                # Configuration reference

                Generated from the definitions in the code by `bin/metalearner config-reference > docs/CONFIG.md`
                (a test fails when this page is out of date). Each process reads a properties file (`--config FILE`);
                every key `a.b-c` can be overridden by the environment variable `METALEARNER_A_B_C` (upper case, dots
                and dashes as underscores). An unknown key is refused, so a typo fails the start instead of being
                ignored. Durations are written one way everywhere: `100ms`, `30s`, `5m`, `2h`, `30d` or ISO-8601 `PT5M`.

                Pass-through keys reach a Kafka client as they are, prefix removed:
                - `kafka.*`: every Kafka client of the process (Kafka Streams' clients, producers, consumers, admin);
                - `streams.*`: Kafka Streams only (the service), e.g. `streams.num.standby.replicas=1`;
                - `consumer.*`: the JDBI writer's consumer only, e.g. `consumer.max.poll.records=20000`.

                A pass-through key comes from the environment too: `METALEARNER_KAFKA_SASL_JAAS_CONFIG` sets
                `kafka.sasl.jaas.config` (the rest lower-cased, underscores as dots).

                ## Connecting to a secured cluster

                Put the client security settings under `kafka.*` and the secrets in the environment, e.g. for
                SASL/SCRAM over TLS:

                ```properties
                bootstrap.servers=kafka-1:9093,kafka-2:9093
                kafka.security.protocol=SASL_SSL
                kafka.sasl.mechanism=SCRAM-SHA-512
                kafka.ssl.truststore.location=/etc/metalearner/truststore.p12
                kafka.ssl.truststore.type=PKCS12
                ```
                ```sh
                export METALEARNER_KAFKA_SASL_JAAS_CONFIG='org.apache.kafka.common.security.scram.ScramLoginModule required username="metalearner" password="...";'
                export METALEARNER_KAFKA_SSL_TRUSTSTORE_PASSWORD=...
                ```
                For mutual TLS use `kafka.security.protocol=SSL` with `kafka.ssl.keystore.*`. Under exactly-once
                the service's principal needs Write and Describe on the transactional ids that start with its
                `application.id`, besides Read/Write on its topics and groups.

                """);
        section(md, "The service (`run`, `demo`, the model commands)", ServiceConfig.DEFINITION,
                List.of(ConfigParts.KAFKA_PREFIX, ConfigParts.STREAMS_PREFIX));
        section(md, "The JDBI writer (`writer`; `migrate` reads only its `jdbc.*` keys)", WriterConfig.DEFINITION,
                List.of(ConfigParts.KAFKA_PREFIX, ConfigParts.CONSUMER_PREFIX));
        return md.toString();
    }

    private static void section(StringBuilder md, String title, ConfigDef definition, List<String> passThrough) {
        md.append("## ").append(title).append("\n\n");
        md.append("Pass-through: ").append(String.join(", ", passThrough.stream().map(p -> "`" + p + "*`").toList()))
                .append(".\n\n");
        md.append("| key | type | default | valid values | environment | description |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (ConfigDef.ConfigKey key : definition.configKeys().values()) {
            md.append("| `").append(key.name).append("` | ").append(key.type.name().toLowerCase(java.util.Locale.ROOT))
                    .append(" | ").append(defaultOf(key)).append(" | ")
                    .append(key.validator == null ? "" : escape(key.validator.toString())).append(" | `")
                    .append(ConfigFile.envName(key.name)).append("` | ").append(escape(key.documentation)).append(" |\n");
        }
        md.append("\n");
    }

    private static String defaultOf(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) return "*required*";
        if (key.type == ConfigDef.Type.PASSWORD) return "*unset*";
        Object value = key.defaultValue;
        String text = value instanceof List<?> list ? String.join(",", list.stream().map(String::valueOf).toList())
                : String.valueOf(value);
        // the temporary folder is the machine's, not part of the reference
        text = text.replace(System.getProperty("java.io.tmpdir"), "${java.io.tmpdir}");
        return text.isEmpty() ? "*empty*" : "`" + text + "`";
    }

    private static String escape(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
