package io.pim.metalearner.stream;

import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandType;
import io.pim.metalearner.learn.score.OpenDecision;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.race.PromotionPolicy;
import io.pim.metalearner.learn.race.ShadowRace;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The live models' races with their shadow candidates, in the {@link LearningTopology#RACE_STORE}
 * store (key: the live model id), updated in the training step that trained them, so a race is as
 * exactly-once as the learners. Each learner is judged by its score when the trade was decided
 * ({@link OpenDecisions}), not by its prediction at training time. A model without candidates has
 * no race and writes nothing here.
 * <p>
 * An automatic promotion is a {@code PROMOTE} command the training task emits to the commands
 * topic in the same transaction as the step that decided it; it reaches the training topic like
 * any ops command, so it is applied in order and a replay applies it at the same record.
 */
final class ShadowRaces {
    /** Recorded as the command's {@code issued_by}. */
    static final String ISSUER = "auto-promotion";

    /** What a step of the race asks the caller to emit. {@code promote} is null when nothing is promoted. */
    record Outcome(List<AlertEvent> alerts, Command promote, List<ShadowRace.Standing> standings) {
        static final Outcome NONE = new Outcome(List.of(), null, List.of());
    }

    private final KeyValueStore<String, byte[]> store;
    private final int window;
    private final PromotionPolicy policy;
    /** Decoded races, a copy of the store's like the learners in {@link StoreModelStates}; dropped on failure. */
    private final Map<String, ShadowRace> decoded = new HashMap<>();

    ShadowRaces(KeyValueStore<String, byte[]> store, int window, PromotionPolicy policy) {
        this.store = store;
        this.window = window;
        this.policy = policy;
    }

    void forget() {
        decoded.clear();
    }

    /**
     * The trade's steps (the live model's first, then the candidates that trained on it), each
     * judged by its learner's score at the decision ({@code open}; null if the decision was never
     * scored: the trade is then paired for no one), the live model's drift alert raised in this step
     * or active after it, judged by the policy.
     */
    Outcome onTrained(List<TrainingRules.Step> steps, OpenDecision open, double priceMove, boolean driftRaised,
                      boolean driftActive, long now) {
        TrainingRules.Step live = steps.get(0);
        String modelId = live.modelId();
        ShadowRace race = race(modelId);
        if (race == null) {
            if (steps.size() == 1) return Outcome.NONE; // no candidates: nothing changes
            race = new ShadowRace(window, policy.minLag());
            decoded.put(modelId, race);
        }
        List<ShadowRace.Entrant> candidates = new ArrayList<>(steps.size() - 1);
        for (TrainingRules.Step s : steps.subList(1, steps.size())) candidates.add(entrant(s, open, priceMove));
        OpenDecision.Scored liveScore = open == null ? null : open.of(modelId);
        double uniform = liveScore == null ? Double.NaN : liveScore.uniformPnl(priceMove);
        // the model's trades learned while this one was open: those its outcome overlaps
        long overlap = liveScore == null ? 0 : live.result().step() - 1 - liveScore.step();
        race.add(live.result().actualReturn(), overlap, entrant(live, open, priceMove), uniform, candidates);
        if (driftRaised) race.driftRaised();
        ShadowRace.Verdict verdict = race.judge(policy, live.result().step(), driftActive);
        store.put(modelId, race.encode());
        Command promote = verdict.promote() == null ? null : promote(modelId, verdict.promote(), race.trades(), now);
        return new Outcome(verdict.alerts(), promote, verdict.standings());
    }

    /** The model's learner was replaced by a command: its race starts over. */
    List<AlertEvent> onReplaced(String modelId, long step, String cause) {
        ShadowRace race = race(modelId);
        if (race == null) return List.of();
        List<AlertEvent> cleared = race.restart(step, cause);
        store.put(modelId, race.encode());
        return cleared;
    }

    /** A command was applied or rejected: if it is the model's automatic promotion, the race may issue another later. */
    void onCommandSettled(Command command) {
        if (command.getType() != CommandType.PROMOTE || !ISSUER.equals(String.valueOf(command.getIssuedBy()))) return;
        ShadowRace race = race(command.getModelId());
        if (race == null) return;
        race.promotionSettled();
        store.put(command.getModelId(), race.encode());
    }

    private ShadowRace race(String modelId) {
        ShadowRace race = decoded.get(modelId);
        if (race != null) return race;
        byte[] bytes = store.get(modelId);
        if (bytes == null) return null;
        race = ShadowRace.decode(bytes, window, policy.minLag());
        decoded.put(modelId, race);
        return race;
    }

    /** A learner on the trade, judged by its vote-time score; NaN figures if it did not score the decision. */
    private static ShadowRace.Entrant entrant(TrainingRules.Step s, OpenDecision open, double priceMove) {
        OpenDecision.Scored scored = open == null ? null : open.of(s.modelId());
        return new ShadowRace.Entrant(s.modelId(), s.result().step(), scored == null ? Double.NaN : scored.predicted(),
                scored == null ? Double.NaN : scored.pnl(priceMove), s.learner().diverged());
    }

    /**
     * The command id is a function of the model and the race's trade count, so the same decision
     * always carries the same id (the audit trail can tell one promotion from another).
     */
    static Command promote(String live, String candidate, long raceTrade, long now) {
        return Command.newBuilder().setCommandId(ISSUER + ":" + live + ":" + raceTrade).setModelId(live)
                .setType(CommandType.PROMOTE).setFromModel(candidate).setIssuedBy(ISSUER)
                .setIssuedAt(Instant.ofEpochMilli(now)).build();
    }
}
