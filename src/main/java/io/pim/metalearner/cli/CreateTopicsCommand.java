package io.pim.metalearner.cli;

import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.TopicAdmin;
import io.pim.metalearner.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code metalearner create-topics --config FILE}: the service's topics, created from the topic
 * registry ({@link Topics}: partitions and configs) as {@code run} would, then checked. A
 * deployment runs it once before the service, the writer and Connect (the Compose file's
 * {@code topics} job), so none of them starts before its topics exist with the right shape.
 */
@Command(name = "create-topics", mixinStandardHelpOptions = true,
        description = "Create the service's missing topics (partitions and configs from the topic registry), wait for "
                + "their leaders and check their shape; existing topics are left as they are. Exit 0 when all is in place.")
final class CreateTopicsCommand implements Callable<Integer> {

    @Mixin
    SharedOptions.ConfigFileOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ServiceConfig serviceConfig = ServiceConfig.load(config.file);
        try (Admin admin = new KafkaClients(serviceConfig).admin()) {
            TopicAdmin.createAll(admin, serviceConfig);
        }
        var out = spec.commandLine().getOut();
        for (Topic<?, ?> t : Topics.of(serviceConfig).all()) {
            out.printf("%s: %d partition(s) %s%n", t.name(), t.spec().partitions(), t.spec().configs());
        }
        out.flush();
        return 0;
    }
}
