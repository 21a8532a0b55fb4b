package io.pim.metalearner.api;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.config.ServiceConfig.HttpSettings;

import java.time.Duration;

/**
 * What the HTTP API needs of the service's config (its {@code http.*} keys and default model),
 * validated there ({@link io.pim.metalearner.config.ConfigParts#http}).
 *
 * @param port            HTTP port (0 picks a free one, for tests)
 * @param defaultModelId  the model status, weights and feedback use when the request names none
 * @param curvePoints     how many recent steps the learning curve returns
 * @param feedbackTimeout how long POST /api/pim/feedback waits for the weight update before answering 202
 * @param adminToken      bearer token of the admin endpoints (reset, rollback, promote, restore) and of
 *                        {@link ApiServer#STATE_PATH}; null: the admin endpoints are off, the state path open
 * @param feedbackToken   bearer token POST /api/pim/feedback requires; null: feedback is open
 */
public record ApiConfig(int port, String defaultModelId, int curvePoints, Duration feedbackTimeout, String adminToken,
                        String feedbackToken) {

    public ApiConfig(int port, String defaultModelId, int curvePoints, Duration feedbackTimeout, String adminToken) {
        this(port, defaultModelId, curvePoints, feedbackTimeout, adminToken, null);
    }

    public ApiConfig(int port, String defaultModelId, int curvePoints, Duration feedbackTimeout) {
        this(port, defaultModelId, curvePoints, feedbackTimeout, null);
    }

    /** The API of a service with this config: its {@code http.*} keys and its default model. */
    public static ApiConfig from(ServiceConfig config) {
        HttpSettings http = config.http();
        return new ApiConfig(http.port(), config.defaultModelId(), http.curvePoints(), http.feedbackTimeout(), http.adminToken(),
                http.feedbackToken());
    }

    public ApiConfig withPort(int newPort) {
        return new ApiConfig(newPort, defaultModelId, curvePoints, feedbackTimeout, adminToken, feedbackToken);
    }

    /** Never the token itself. */
    @Override
    public String toString() {
        return "ApiConfig[port=" + port + ", defaultModelId=" + defaultModelId + ", curvePoints=" + curvePoints
                + ", feedbackTimeout=" + feedbackTimeout + ", adminToken=" + (adminToken == null ? "unset" : "set")
                + ", feedbackToken=" + (feedbackToken == null ? "unset" : "set") + "]";
    }
}
