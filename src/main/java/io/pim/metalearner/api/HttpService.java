package io.pim.metalearner.api;

import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.stream.CommandClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API over a running learning service: state by interactive queries, feedback through
 * Kafka, metrics from {@link ServiceMetrics}. For other instances to fetch the models this one
 * holds, the service's config must set {@code streams.application.server} to this host and
 * {@link ApiConfig#port()}.
 */
public final class HttpService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpService.class);

    private final StreamFeedbackGateway gateway;
    private final ApiServer server;
    private final CommandClient ops;
    /** How long an admin request waits for its command's result. */
    private static final java.time.Duration ADMIN_WAIT = java.time.Duration.ofSeconds(30);

    private HttpService(StreamFeedbackGateway gateway, ApiServer server, CommandClient ops) {
        this.gateway = gateway;
        this.server = server;
        this.ops = ops;
    }

    /** @param metrics the listener the service was built with, bound here to its Kafka Streams client */
    public static HttpService start(LearningService service, ServiceMetrics metrics, ApiConfig config) {
        return start(service, metrics, config, null);
    }

    /** @param checkpoints finds landed checkpoints for the admin rollback from PostgreSQL; null: not configured */
    public static HttpService start(LearningService service, ServiceMetrics metrics, ApiConfig config,
                                    AdminRoutes.Checkpoints checkpoints) {
        metrics.bind(service);
        StreamFeedbackGateway gateway = new StreamFeedbackGateway(service.config(), service.topics(), config.feedbackTimeout());
        metrics.bindFeedbackAnswers(gateway);
        try {
            CommandClient ops = config.adminToken() == null ? null : new CommandClient(service.config(), "http");
            AdminRoutes.Sender admin = ops == null ? null : command -> ops.send(command, ADMIN_WAIT);
            StreamHealth health = new StreamHealth(service);
            metrics.bindHealth(health);
            ApiServer server = new ApiServer(config, new StreamLearnerView(service, config.adminToken()), gateway, metrics::scrape,
                    admin, health, checkpoints).start();
            log.info("admin endpoints {}", ops == null ? "off (no http.admin-token configured)" : "on, behind the configured bearer token");
            log.info("feedback {}", config.feedbackToken() == null ? "open (no http.feedback-token configured)" : "behind the configured bearer token");
            return new HttpService(gateway, server, ops);
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
        gateway.close();
        if (ops != null) ops.close();
    }
}
