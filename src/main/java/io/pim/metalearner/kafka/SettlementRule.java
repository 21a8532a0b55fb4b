package io.pim.metalearner.kafka;

import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.TrainingExample;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The one rule for which outcome settles a published trade: its {@code weights-updated} (trained),
 * or a dead letter whose source is {@code trade-closed} (the join refused the close: bad close,
 * duplicate, votes rejected or missing, undecodable) or the training topic (the model refused to
 * step on the joined pair). A dead-lettered vote settles nothing: its close follows as
 * {@code votes-rejected}. The demo counts settled closes with it; the feedback gateway answers the
 * waiting request of the settled decision.
 */
public final class SettlementRule {
    private final Topics topics;

    public SettlementRule(Topics topics) {
        this.topics = topics;
    }

    /** Whether this dead letter is the outcome of a published trade-closed record. */
    public boolean settlesATrade(DeadLetter d) {
        return d.getSourceTopic().equals(topics.tradeClosed().name()) || d.getSourceTopic().equals(topics.training().name());
    }

    /**
     * The decision this dead letter settles, when it can be told: a close's key, or the decision
     * inside a refused training example. Empty for a dead letter that settles nothing, and for an
     * undecodable close published without a key.
     */
    public Optional<String> decisionOf(DeadLetter d) {
        if (d.getSourceTopic().equals(topics.tradeClosed().name())) {
            return d.getKey() == null ? Optional.empty() : Optional.of(StandardCharsets.UTF_8.decode(d.getKey().duplicate()).toString());
        }
        if (d.getSourceTopic().equals(topics.training().name()) && d.getValue() != null) {
            Object value = topics.training().valueSerde().deserializer().deserialize(topics.training().name(), DeadLetters.bytes(d.getValue()));
            if (value instanceof TrainingExample example) return Optional.of(example.getTrade().getDecisionId());
        }
        return Optional.empty();
    }
}
