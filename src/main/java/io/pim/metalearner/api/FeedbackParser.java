package io.pim.metalearner.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.api.FeedbackGateway.Feedback;
import io.pim.metalearner.learn.FeedbackJson;
import io.pim.metalearner.learn.InvalidTradeException;
import io.pim.metalearner.learn.Trade;

/**
 * Reads the seed's feedback body with the learner's own parser and checks ({@link FeedbackJson}),
 * so the HTTP path refuses exactly what the offline {@code learn} command and the stream would
 * dead-letter, and adds the fields the broker side reports beyond the trade. Unknown fields are ignored.
 */
final class FeedbackParser {

    private final ObjectMapper json;

    FeedbackParser(ObjectMapper json) {
        this.json = json;
    }

    /** @throws InvalidTradeException for a body that must not be published */
    Feedback parse(String body) {
        Trade trade = FeedbackJson.parse(body);
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (Exception e) {
            // FeedbackJson has just read it: cannot happen, but never publish what we cannot read
            throw new IllegalStateException("feedback body readable once but not twice", e);
        }
        String workflowId = root.hasNonNull("workflow_id") ? root.get("workflow_id").asText() : "";
        return new Feedback(trade, workflowId, root.path("actual_profit").asDouble(0), root.path("hold_duration").asLong(0));
    }
}
