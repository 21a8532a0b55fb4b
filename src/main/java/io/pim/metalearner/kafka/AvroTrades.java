package io.pim.metalearner.kafka;

import io.pim.metalearner.avro.AgentVote;
import io.pim.metalearner.avro.DecisionScore;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.learn.trade.Direction;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.trade.Rejection;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.TradeValidator;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.learn.score.VoteScore;
import org.apache.avro.AvroTypeException;
import org.apache.kafka.common.serialization.Deserializer;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Avro inputs turned into the learner's types, with the same checks the learner applies to
 * any trade ({@link TradeValidator}), so a record is judged the same whether it came through Kafka
 * or the offline CLI. Problems surface as {@link InvalidTradeException} with a {@link Rejection}.
 * The other way, a learner's {@link VoteScore} as the {@code DecisionScore} record.
 */
public final class AvroTrades {
    private AvroTrades() {
    }

    /**
     * Decodes one record value. Bytes that are not Confluent-framed Avro of a registered schema are
     * {@code unreadable}; Avro that does not fit our schema is {@code missing-field} or
     * {@code wrong-type}. A registry that cannot be reached is not the record's fault: that
     * exception propagates, so the task fails and retries instead of dead-lettering good records.
     */
    public static <T> T decode(Deserializer<T> deserializer, String topic, byte[] value) {
        if (value == null) throw new InvalidTradeException(Rejection.UNREADABLE, "null value (tombstone)");
        T decoded;
        try {
            decoded = deserializer.deserialize(topic, value);
        } catch (RuntimeException e) {
            if (registryUnreachable(e)) throw e;
            Throwable avro = cause(e, AvroTypeException.class);
            if (avro != null) {
                String message = avro.getMessage() == null ? "" : avro.getMessage();
                throw new InvalidTradeException(message.contains("missing required field")
                        ? Rejection.MISSING_FIELD : Rejection.WRONG_TYPE, message);
            }
            throw new InvalidTradeException(Rejection.UNREADABLE, describe(e));
        }
        if (decoded == null) throw new InvalidTradeException(Rejection.UNREADABLE, "decoded to null");
        return decoded;
    }

    /**
     * Decodes one record value that must be of {@code type}. With the specific reader, a record
     * framed with another registered schema's id (a close on the votes topic) decodes to that
     * schema's class; it is {@code wrong-type} here, where it can be dead-lettered, not a
     * {@code ClassCastException} in the caller that fails the task on every retry.
     */
    public static <T> T decode(Deserializer<T> deserializer, String topic, byte[] value, Class<T> type) {
        Object decoded = decode(deserializer, topic, value);
        if (!type.isInstance(decoded)) {
            throw new InvalidTradeException(Rejection.WRONG_TYPE,
                    "a " + decoded.getClass().getSimpleName() + " where a " + type.getSimpleName() + " belongs");
        }
        return type.cast(decoded);
    }

    /** Votes as the learner sees them, checked: known action and directions, confidence in [0, 1], finite sizes. */
    public static Map<String, Vote> votes(DecisionVotes v) {
        requireText("decision_id", v.getDecisionId());
        requireText("action", v.getAction());
        // sorted: the map's order is not meaningful on the wire, a fixed one keeps logs comparable
        Map<String, Vote> votes = new LinkedHashMap<>();
        for (Map.Entry<String, AgentVote> e : new TreeMap<>(v.getAgentVotes()).entrySet()) {
            AgentVote a = e.getValue();
            Direction direction = a.getDirection() == io.pim.metalearner.avro.Direction.UNKNOWN
                    ? null : Direction.valueOf(a.getDirection().name());
            if (direction == null) {
                throw new InvalidTradeException(Rejection.UNKNOWN_DIRECTION,
                        e.getKey() + ": direction is not one of LONG, SHORT, NEUTRAL");
            }
            votes.put(e.getKey(), new Vote(direction, a.getConfidence(), a.getPositionSize()));
        }
        TradeValidator.validateDecision(v.getDecisionId(), v.getAction(), votes);
        return votes;
    }

    /** Checks a closed trade on its own: decision id, finite positive prices, a return finite as a float. */
    public static void checkTrade(TradeClosed t) {
        TradeValidator.validateOutcome(t.getDecisionId(), t.getEntryPrice(), t.getExitPrice());
    }

    /** The joined pair as one learner trade, fully validated: each half once. */
    public static Trade trade(DecisionVotes votes, TradeClosed closed) {
        Map<String, Vote> checked = votes(votes);
        checkTrade(closed);
        return new Trade(closed.getDecisionId(), votes.getSymbol(), votes.getAction(),
                closed.getEntryPrice(), closed.getExitPrice(), checked);
    }

    private static void requireText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidTradeException(Rejection.MISSING_FIELD, field + " is missing or blank");
        }
    }

    private static boolean registryUnreachable(Throwable e) {
        return cause(e, ConnectException.class) != null || cause(e, HttpTimeoutException.class) != null
                || cause(e, SocketTimeoutException.class) != null || cause(e, UnknownHostException.class) != null
                || cause(e, InterruptedIOException.class) != null;
    }

    private static Throwable cause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return t;
        }
        return null;
    }

    private static String describe(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null && s.length() < 300; t = t.getCause() == t ? null : t.getCause()) {
            if (!s.isEmpty()) s.append(": ");
            s.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) s.append(" ").append(t.getMessage());
        }
        return s.length() > 300 ? s.substring(0, 300) : s.toString();
    }

    /** What {@code modelId} said about the decision of {@code votes} at vote time, read at training-topic {@code sourceOffset}. */
    public static DecisionScore decisionScore(String modelId, DecisionVotes votes, VoteScore score, long sourceOffset, Instant at) {
        return DecisionScore.newBuilder()
                .setDecisionId(votes.getDecisionId()).setModelId(modelId)
                .setSymbol(votes.getSymbol()).setAction(votes.getAction())
                .setTrainingStep(score.step()).setFingerprint(score.fingerprint())
                .setPredictedReturn(score.predictedReturn())
                .setCommitteeScoreLearned(score.committeeLearned()).setCommitteeScoreUniform(score.committeeUniform())
                .setDecidedAt(votes.getDecidedAt()).setSourceOffset(sourceOffset).setTimestamp(at)
                .build();
    }
}
