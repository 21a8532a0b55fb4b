package io.pim.metalearner.cli;

import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The Compose file's topic job: {@code metalearner create-topics} makes the registry's topics, and again changes nothing. */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class CreateTopicsCommandIT {

    @Test
    void createTopicsMakesEveryRegistryTopicWithItsSpecAndIsIdempotent(@TempDir Path dir, TestKafka kafka,
                                                                      EmbeddedRegistry registry) throws Exception {
        // given a service config file with topics of its own
        Properties p = ServiceProperties.isolated("create-topics", kafka, registry.apiUrl(), dir.resolve("state"));
        Path file = dir.resolve("service.properties");
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        ServiceConfig config = ServiceProperties.config(p);

        // when the job runs twice (a restarted Compose stack runs it again)
        int first = Main.commandLine().setOut(new PrintWriter(new StringWriter())).execute("create-topics", "--config", file.toString());
        StringWriter out = new StringWriter();
        int second = Main.commandLine().setOut(new PrintWriter(out)).execute("create-topics", "--config", file.toString());

        // then both succeed, and every topic has the registry's partitions and configs
        assertThat(first).isZero();
        assertThat(second).isZero();
        try (Admin admin = kafka.admin()) {
            List<Topic<?, ?>> topics = Topics.of(config).all();
            var descriptions = admin.describeTopics(topics.stream().map(Topic::name).toList()).allTopicNames().get();
            var resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
            for (Topic<?, ?> t : topics) {
                assertThat(descriptions.get(t.name()).partitions()).as(t.name()).hasSize(t.spec().partitions());
                Config actual = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()));
                t.spec().configs().forEach((k, v) -> assertThat(actual.get(k).value()).as(t.name() + " " + k).isEqualTo(v));
            }
            assertThat(out.toString()).contains(config.topics().training() + ": "
                    + Topics.of(config).training().spec().partitions() + " partition(s)");
        }
    }
}
