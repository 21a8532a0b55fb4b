package io.pim.metalearner.api;

import java.time.Duration;

/**
 * @param port            HTTP port (0 picks a free one, for tests)
 * @param defaultModelId  the model status and weights show when the request names none
 * @param curvePoints     how many recent steps the learning curve returns
 * @param feedbackTimeout how long POST /api/pim/feedback waits for the weight update before answering 202
 * @param adminToken      bearer token of the admin endpoints (reset, rollback, promote, restore); null: they are off
 */
public record ApiConfig(int port, String defaultModelId, int curvePoints, Duration feedbackTimeout, String adminToken) {

    public ApiConfig(int port, String defaultModelId, int curvePoints, Duration feedbackTimeout) {
        this(port, defaultModelId, curvePoints, feedbackTimeout, null);
    }

    public static ApiConfig defaults() {
        return new ApiConfig(8080, "default", 200, Duration.ofSeconds(5));
    }

    public ApiConfig {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("http.port = " + port + ": must be 0..65535");
        if (defaultModelId == null || defaultModelId.isBlank()) throw new IllegalArgumentException("model.id must not be blank");
        if (curvePoints < 1) throw new IllegalArgumentException("http.curve.points = " + curvePoints + ": must be at least 1");
        if (feedbackTimeout.isNegative() || feedbackTimeout.isZero()) {
            throw new IllegalArgumentException("http.feedback.timeout.ms = " + feedbackTimeout.toMillis() + ": must be above 0");
        }
        if (adminToken != null && adminToken.length() < 16) {
            throw new IllegalArgumentException("http.admin-token: must be at least 16 characters (or unset to turn the admin endpoints off)");
        }
    }

    public ApiConfig withPort(int newPort) {
        return new ApiConfig(newPort, defaultModelId, curvePoints, feedbackTimeout, adminToken);
    }

    public ApiConfig withAdminToken(String token) {
        return new ApiConfig(port, defaultModelId, curvePoints, feedbackTimeout, token);
    }
}
