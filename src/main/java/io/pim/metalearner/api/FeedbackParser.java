package io.pim.metalearner.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.api.FeedbackGateway.Feedback;
import io.pim.metalearner.learn.Direction;
import io.pim.metalearner.learn.Trade;
import io.pim.metalearner.learn.Vote;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the seed's feedback body. Fields it does not know are ignored (the broker side sends
 * more); a body the learner could not train on is refused with a reason, before anything is published.
 */
final class FeedbackParser {

    private final ObjectMapper json;

    FeedbackParser(ObjectMapper json) {
        this.json = json;
    }

    /** Thrown for a body that must not be published; {@code reason} is machine-readable. */
    static final class InvalidFeedback extends Exception {
        final String reason;

        InvalidFeedback(String reason, String detail) {
            super(detail);
            this.reason = reason;
        }
    }

    Feedback parse(String body) throws InvalidFeedback {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidFeedback("unreadable", "not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new InvalidFeedback("unreadable", "the body must be a JSON object");
        String decisionId = text(root, "decision_id");
        String action = text(root, "action");
        double entry = price(root, "entry_price");
        double exit = price(root, "exit_price");
        JsonNode votesNode = root.get("agent_votes");
        if (votesNode == null || !votesNode.isObject() || votesNode.isEmpty()) {
            throw new InvalidFeedback("missing-field", "agent_votes must be a non-empty object");
        }
        Map<String, Vote> votes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = votesNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            votes.put(field.getKey(), vote(field.getKey(), field.getValue()));
        }
        Trade trade = new Trade(decisionId, optionalText(root, "symbol"), action, entry, exit, votes);
        return new Feedback(trade, optionalText(root, "workflow_id"),
                root.path("actual_profit").asDouble(Double.NaN), root.path("hold_duration").asLong(0));
    }

    private static Vote vote(String agent, JsonNode node) throws InvalidFeedback {
        if (!node.isObject()) throw new InvalidFeedback("missing-field", "vote of " + agent + " must be an object");
        String directionText = node.path("direction").asText(null);
        Direction direction = Direction.parse(directionText).orElseThrow(() -> new InvalidFeedback(
                "unknown-direction", "vote of " + agent + ": direction " + directionText + " is not LONG, SHORT or NEUTRAL"));
        JsonNode confidenceNode = node.get("confidence");
        if (confidenceNode == null || !confidenceNode.isNumber()) {
            throw new InvalidFeedback("missing-field", "vote of " + agent + ": confidence must be a number");
        }
        double confidence = confidenceNode.asDouble();
        if (!(confidence >= 0 && confidence <= 1)) {
            throw new InvalidFeedback("confidence-out-of-range", "vote of " + agent + ": confidence " + confidence + " is outside [0, 1]");
        }
        double size = node.path("position_size").asDouble(0);
        if (!Double.isFinite(size)) throw new InvalidFeedback("non-finite-value", "vote of " + agent + ": position_size is not finite");
        return new Vote(direction, confidence, size);
    }

    private static String text(JsonNode root, String field) throws InvalidFeedback {
        String value = optionalText(root, field);
        if (value == null || value.isBlank()) throw new InvalidFeedback("missing-field", field + " is required");
        return value;
    }

    private static String optionalText(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    private static double price(JsonNode root, String field) throws InvalidFeedback {
        JsonNode node = root.get(field);
        if (node == null || !node.isNumber()) throw new InvalidFeedback("missing-field", field + " must be a number");
        double value = node.asDouble();
        if (!Double.isFinite(value)) throw new InvalidFeedback("non-finite-price", field + " is not finite");
        if (value <= 0) throw new InvalidFeedback("non-positive-price", field + " " + value + " must be above 0");
        return value;
    }
}
