package io.pim.metalearner.learn.trade;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The seed's feedback body (docs/DESIGN.md §12) as a {@link Trade}: the line format of {@code .jsonl} trade
 * files and the body of {@code POST /api/pim/feedback}, so both paths accept and reject exactly the
 * same inputs. Fields the learner does not use (workflow_id, actual_profit, ...) are ignored.
 */
public final class FeedbackJson {
    // NaN/Infinity tokens are read so that they are rejected as non-finite, not as unreadable.
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // a key given twice is ambiguous (which entry_price?), not "the last one wins"
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private FeedbackJson() {
    }

    /** @throws InvalidTradeException if the body cannot be trained on */
    public static Trade parse(String body) {
        return trade(object(body));
    }

    /**
     * A trade with the instants it was decided and closed at, as a trade file may carry them
     * ({@code simulate --prices} writes both): each null when the body has none.
     */
    public record Timed(Trade trade, Instant decidedAt, Instant closedAt) {
        public boolean hasTimes() {
            return decidedAt != null || closedAt != null;
        }
    }

    /**
     * As {@link #parse}, with {@code decided_at} and {@code closed_at} when present: an ISO-8601
     * instant ({@code 2026-12-07T14:30:00Z}, or with an offset) or date ({@code 2026-12-07}: the
     * start of that day, UTC).
     *
     * @throws InvalidTradeException if the trade cannot be trained on, or a timestamp given is not one
     */
    public static Timed parseTimed(String body) {
        JsonNode root = object(body);
        return new Timed(trade(root), instant(root, "decided_at"), instant(root, "closed_at"));
    }

    private static Trade trade(JsonNode root) {
        String decisionId = text(root, "decision_id");
        String symbol = root.hasNonNull("symbol") ? root.get("symbol").asText() : null;
        String action = text(root, "action");
        double entry = number(root, "entry_price", "");
        double exit = number(root, "exit_price", "");
        Map<String, Vote> votes = votes(root);
        return TradeValidator.validate(new Trade(decisionId, symbol, action, entry, exit, votes));
    }

    /**
     * A decision to score, in the feedback body's shape without its outcome (prices and profit are
     * ignored if present): {@code agent_votes} required and checked as for training;
     * {@code decision_id}, {@code action} and {@code model_id} optional (null when absent), an
     * action given must be one the learner knows.
     */
    public record Decision(String decisionId, String action, String modelId, Map<String, Vote> votes) {
    }

    /** @throws InvalidTradeException with the reason code training would give the same votes */
    public static Decision parseDecision(String body) {
        JsonNode root = object(body);
        String decisionId = optionalText(root, "decision_id");
        String action = optionalText(root, "action");
        String modelId = optionalText(root, "model_id");
        Map<String, Vote> votes = votes(root);
        TradeValidator.validateVotes(action, votes);
        return new Decision(decisionId, action, modelId, votes);
    }

    private static JsonNode object(String body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new InvalidTradeException(Rejection.UNREADABLE, "not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidTradeException(Rejection.UNREADABLE, "not a JSON object");
        }
        return root;
    }

    private static Map<String, Vote> votes(JsonNode root) {
        JsonNode votesNode = required(root, "agent_votes", "");
        if (!votesNode.isObject()) throw wrongType("agent_votes", "an object");
        Map<String, Vote> votes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : votesNode.properties()) {
            votes.put(e.getKey(), vote(e.getKey(), e.getValue()));
        }
        return votes;
    }

    private static Instant instant(JsonNode root, String field) {
        if (!root.hasNonNull(field)) return null;
        JsonNode v = root.get(field);
        String expected = "an ISO-8601 instant (2026-12-07T14:30:00Z) or date (2026-12-07)";
        if (!v.isTextual()) throw wrongType(field, expected);
        try {
            return OffsetDateTime.parse(v.asText()).toInstant();
        } catch (DateTimeParseException notAnInstant) {
            try {
                return LocalDate.parse(v.asText()).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notADate) {
                throw wrongType(field, expected + ", not '" + v.asText() + "'");
            }
        }
    }

    private static String optionalText(JsonNode node, String field) {
        if (!node.hasNonNull(field)) return null;
        JsonNode v = node.get(field);
        if (!v.isTextual()) throw wrongType(field, "a string");
        return v.asText().isBlank() ? null : v.asText();
    }

    private static Vote vote(String agent, JsonNode node) {
        String where = "agent_votes." + agent + ".";
        if (!node.isObject()) throw wrongType("agent_votes." + agent, "an object");
        JsonNode dir = required(node, "direction", where);
        if (!dir.isTextual()) throw wrongType(where + "direction", "a string");
        Direction direction = Direction.parse(dir.asText()).orElseThrow(() -> new InvalidTradeException(
                Rejection.UNKNOWN_DIRECTION, where + "direction '" + dir.asText() + "' is not LONG, SHORT or NEUTRAL"));
        double confidence = number(node, "confidence", where);
        // Optional as in the Avro contract: a vote without a size contributes 0, like a missing vote.
        double size = node.hasNonNull("position_size") ? number(node, "position_size", where) : 0.0;
        return new Vote(direction, confidence, size);
    }

    private static JsonNode required(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) throw new InvalidTradeException(Rejection.MISSING_FIELD, where + field + " is missing");
        return v;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = required(node, field, "");
        if (!v.isTextual()) throw wrongType(field, "a string");
        return v.asText();
    }

    private static double number(JsonNode node, String field, String where) {
        JsonNode v = required(node, field, where);
        if (!v.isNumber()) throw wrongType(where + field, "a number");
        return v.doubleValue();
    }

    private static InvalidTradeException wrongType(String field, String expected) {
        return new InvalidTradeException(Rejection.WRONG_TYPE, field + " must be " + expected);
    }
}
