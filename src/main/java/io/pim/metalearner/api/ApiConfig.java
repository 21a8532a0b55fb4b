package io.pim.metalearner.api;

import java.time.Duration;

/**
 * @param port            HTTP port (0 picks a free one, for tests)
 * @param defaultModelId  the model status and weights show when the request names none
 * @param curvePoints     how many recent steps the learning curve returns
 * @param feedbackTimeout how long POST /api/pim/feedback waits for the weight update before answering 202
 */
public record ApiConfig(int port, String defaultModelId, int curvePoints, Duration feedbackTimeout) {

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
    }

    public ApiConfig withPort(int newPort) {
        return new ApiConfig(newPort, defaultModelId, curvePoints, feedbackTimeout);
    }
}
