package io.pim.metalearner.stream;

import io.pim.metalearner.kafka.CountStore;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of the service's counters (summed over its count stores): what came in, what was
 * trained, dead-lettered (by reason), expired or is still waiting.
 */
public record CountSnapshot(Map<String, Long> values) {

    public CountSnapshot {
        values = Map.copyOf(values);
    }

    public long get(String name) {
        return values.getOrDefault(name, 0L);
    }

    public long votesIn() {
        return get(CountStore.VOTES_IN);
    }

    public long tradesIn() {
        return get(CountStore.TRADES_IN);
    }

    /** Pairs sent to the training topic. */
    public long joined() {
        return get(CountStore.JOINED);
    }

    public long trained() {
        return get(CountStore.TRAINED);
    }

    /** Decisions scored at vote time (decision-scores records published). */
    public long scored() {
        return get(CountStore.SCORED);
    }

    /** Trades trained whose decision had no vote-time score: judged by no decision-time figure. */
    public long trainedUnscored() {
        return get(CountStore.UNSCORED);
    }

    /** Vote-time scores dropped after {@code votes.ttl} because their trade never trained. */
    public long scoresExpired() {
        return get(CountStore.SCORES_EXPIRED);
    }

    public long votesExpired() {
        return get(CountStore.EXPIRED);
    }

    public long pendingVotes() {
        return get(CountStore.PENDING_VOTES);
    }

    public long pendingTrades() {
        return get(CountStore.PENDING_TRADES);
    }

    public long unknownAgentVotes() {
        return get(CountStore.UNKNOWN_AGENTS);
    }

    /** Reason → count, over the join and the training processor. */
    public Map<String, Long> deadLettered() {
        Map<String, Long> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(CountStore.DEAD_LETTER_PREFIX) && v != 0) {
                out.merge(k.substring(CountStore.DEAD_LETTER_PREFIX.length()), v, Long::sum);
            }
        });
        return out;
    }

    public long deadLetteredTotal() {
        return deadLettered().values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Every input record is accounted for: a joined pair used two (votes and trade), every other
     * record was dead-lettered once, expired (votes) or is waiting. Holds at every commit.
     */
    public boolean reconciles() {
        return votesIn() + tradesIn()
                == 2 * joined() + joinDeadLettered() + votesExpired() + pendingVotes() + pendingTrades();
    }

    private long joinDeadLettered() {
        // The training processor's dead letters (unusable training-topic records) are not input
        // records; each training record is either trained or dead-lettered, so they number
        // training-in − trained − applied commands − scored votes (commands and votes travel on the training topic too).
        return deadLetteredTotal() - (get(CountStore.TRAINING_IN) - trained() - get(CountStore.COMMANDS_APPLIED)
                - scored());
    }

    @Override
    public String toString() {
        return new TreeMap<>(values).toString();
    }
}
