package io.pim.metalearner.kafka;

import io.pim.metalearner.config.InputKeying;

/**
 * The keys of a decision's two input records under the configured contract ({@code input.keying}):
 * its decision id, or the model it teaches. Every producer of ours (the feedback gateway,
 * {@code simulate}, the demo) keys by this, so it follows the service it feeds.
 */
public record InputKeys(InputKeying keying, String defaultModelId) {

    /** The model a decision trains: the one its votes name, else the default model. */
    public static String modelOf(String named, String defaultModelId) {
        return named == null || named.isBlank() ? defaultModelId : named;
    }

    public String modelOf(String named) {
        return modelOf(named, defaultModelId);
    }

    public boolean byModel() {
        return keying == InputKeying.MODEL_ID;
    }

    /** The key of both records of the decision {@code decisionId} whose votes name {@code namedModel}. */
    public String keyOf(String decisionId, String namedModel) {
        return byModel() ? modelOf(namedModel) : decisionId;
    }
}
