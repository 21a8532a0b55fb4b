package io.pim.metalearner.cli;

import io.pim.metalearner.api.ApiConfig;
import io.pim.metalearner.api.HttpService;
import io.pim.metalearner.api.ServiceMetrics;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.config.ServiceConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.pim.metalearner.config.ConfigParts;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the learning service against an existing Kafka cluster and Apicurio registry, "
                + "until SIGTERM or Ctrl-C (which commit and stop cleanly). Every config key can be overridden "
                + "by an environment variable, e.g. METALEARNER_BOOTSTRAP_SERVERS.")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    SharedOptions.ConfigFileOption config;

    @Option(names = "--http-port", paramLabel = "P",
            description = "Port of the HTTP API, dashboard and /metrics; overrides the config's http.port (default "
                    + "8080; 0 = no HTTP). With several instances, set streams.application.server=<this host>:<P> in "
                    + "the config so each can answer for models another one holds.")
    Integer httpPort;

    @Option(names = "--no-create-topics", description = "Do not create missing topics (they must exist).")
    boolean noCreateTopics;

    @Mixin
    Logging.FormatOption logFormat;

    @Override
    public Integer call() throws Exception {
        logFormat.apply();
        ServiceConfig serviceConfig = ServiceConfig.load(config.file);
        // the flag wins over file and environment, and is validated like them
        if (httpPort != null) serviceConfig = serviceConfig.with(Map.of(ConfigParts.HTTP_PORT, Integer.toString(httpPort)));
        io.pim.metalearner.learn.Engines.checkAvailable(serviceConfig.learner().engine());
        ApiConfig apiConfig = ApiConfig.from(serviceConfig);
        ServiceMetrics metrics = new ServiceMetrics();
        LearningService service = new LearningService(serviceConfig, metrics);
        if (!noCreateTopics) service.createTopics();

        CountDownLatch stopped = new CountDownLatch(1);
        service.onStateChange((now, before) -> {
            log.info("Kafka Streams {} -> {}", before, now);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
        });
        // SIGTERM and Ctrl-C: stop processing, commit the open transaction, keep the local state.
        AtomicReference<HttpService> http = new AtomicReference<>();
        Thread hook = new Thread(() -> {
            log.info("shutting down");
            HttpService api = http.getAndSet(null);
            if (api != null) api.close();
            service.close();
            metrics.close();
            stopped.countDown();
        }, "metalearner-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        service.start();
        if (apiConfig.port() > 0) {
            http.set(HttpService.start(service, metrics, apiConfig, DatabaseRollback.forAdmin(serviceConfig.rollbackDatabase())));
        }
        stopped.await();
        boolean failed = service.streams().state() == KafkaStreams.State.ERROR;
        if (failed) {
            log.error("Kafka Streams failed; see the log above");
            service.close();
        }
        return failed ? 1 : 0;
    }
}
