package io.pim.metalearner.kafka;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pim.metalearner.avro.AgentVote;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.Direction;
import io.pim.metalearner.avro.TradeClosed;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The seed's feedback body (docs/DESIGN.md §12) turned into the two events the broker side publishes: the
 * committee's {@link DecisionVotes} and the position's {@link TradeClosed}.
 *
 * <p>This is a transport, not a validator: values the Avro contract can carry go through as they
 * are (a negative price, a NaN, a confidence of 3), because judging them is the stream's job and
 * its dead letters are where a user looks for why a trade was not learned from. A direction the
 * enum does not know becomes {@code UNKNOWN}, which the stream dead-letters. Only a body the
 * contract cannot hold at all (not JSON, a missing decision id, a price given as text) is
 * {@link Unmappable}; the caller decides what to do with it.
 */
public final class FeedbackEvents {
    // NaN/Infinity tokens are read so that the stream rejects them as non-finite values.
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // a key given twice is ambiguous (which entry_price?), not "the last one wins"
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Both events of one trade, keyed by its decision id. */
    public record Pair(String decisionId, DecisionVotes votes, TradeClosed close) {
    }

    /** A body the Avro contract cannot carry, with why; {@code decisionId} is null if unknown. */
    public static final class Unmappable extends Exception {
        private final String decisionId;

        Unmappable(String decisionId, String detail) {
            super(detail, null, false, false);
            this.decisionId = decisionId;
        }

        public Optional<String> decisionId() {
            return Optional.ofNullable(decisionId);
        }
    }

    private FeedbackEvents() {
    }

    /** Maps one feedback body; {@code now} stamps decided_at and closed_at. */
    public static Pair parse(String body, Instant now) throws Unmappable {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new Unmappable(null, "not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new Unmappable(null, "not a JSON object");
        JsonNode id = root.get("decision_id");
        if (id == null || !id.isTextual() || id.asText().isBlank()) {
            throw new Unmappable(null, "decision_id must be a non-blank string");
        }
        String decisionId = id.asText();
        Fields f = new Fields(root, decisionId, "");

        Map<String, AgentVote> votes = new LinkedHashMap<>();
        JsonNode votesNode = root.get("agent_votes");
        if (votesNode == null || !votesNode.isObject()) {
            throw new Unmappable(decisionId, "agent_votes must be an object");
        }
        for (Map.Entry<String, JsonNode> e : votesNode.properties()) {
            if (!e.getValue().isObject()) throw new Unmappable(decisionId, "agent_votes." + e.getKey() + " must be an object");
            Fields v = new Fields(e.getValue(), decisionId, "agent_votes." + e.getKey() + ".");
            votes.put(e.getKey(), new AgentVote(direction(v.text("direction", null)),
                    v.number("confidence", null), v.number("position_size", 0.0)));
        }
        String modelId = root.hasNonNull("model_id") ? f.text("model_id", null) : null;
        DecisionVotes decision = new DecisionVotes(decisionId, f.text("workflow_id", ""), f.text("symbol", ""),
                f.text("action", null), now, modelId, votes);
        TradeClosed close = new TradeClosed(decisionId, f.text("symbol", ""),
                f.number("entry_price", null), f.number("exit_price", null),
                f.number("actual_profit", 0.0), f.number("hold_duration", 0.0), now, modelId);
        return new Pair(decisionId, decision, close);
    }

    /** LONG/SHORT/NEUTRAL in any case; anything else is the enum's UNKNOWN, for the stream to reject. */
    static Direction direction(String text) {
        return switch (text.trim().toUpperCase(Locale.ROOT)) {
            case "LONG" -> Direction.LONG;
            case "SHORT" -> Direction.SHORT;
            case "NEUTRAL" -> Direction.NEUTRAL;
            default -> Direction.UNKNOWN;
        };
    }

    /** Typed field access; a null fallback makes the field required. */
    private record Fields(JsonNode node, String decisionId, String where) {
        String text(String field, String fallback) throws Unmappable {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) return require(field, fallback);
            if (!v.isTextual()) throw new Unmappable(decisionId, where + field + " must be a string");
            return v.asText();
        }

        double number(String field, Double fallback) throws Unmappable {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) return require(field, fallback);
            if (!v.isNumber()) throw new Unmappable(decisionId, where + field + " must be a number");
            return v.doubleValue();
        }

        private <T> T require(String field, T fallback) throws Unmappable {
            if (fallback == null) throw new Unmappable(decisionId, where + field + " is missing");
            return fallback;
        }
    }
}
