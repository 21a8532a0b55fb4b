package io.pim.metalearner.stream;

import io.pim.metalearner.config.InputKeying;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.AvroTrades;
import io.pim.metalearner.kafka.CountStore;
import io.pim.metalearner.kafka.DeadLetters;
import io.pim.metalearner.kafka.ModelPartitions;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.HeldRecord;
import io.pim.metalearner.avro.JoinState;
import io.pim.metalearner.avro.JoinStatus;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.trade.Rejection;
import io.pim.metalearner.learn.trade.Vote;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Joins a decision's votes to its closed trade, by decision_id, and sends the pair to the training
 * topic keyed by model id; valid votes also go there at once, for the model to score them. Both inputs arrive as raw bytes and are decoded here, so a record that
 * does not decode is dead-lettered with its original bytes instead of stopping the stream.
 * <p>
 * One {@link JoinState} per decision id says where it stands: votes waiting for their trade (up to
 * the TTL, then expired and counted), a trade waiting for its votes (up to the grace, then
 * dead-lettered {@code votes-missing}), trained (a second close is a {@code duplicate}) or votes
 * rejected (a close is dead-lettered {@code votes-rejected} at once). Trained and rejected ids are
 * remembered for the TTL, then forgotten, so the state stays bounded.
 * <p>
 * Deadlines are wall-clock time, checked by a wall-clock punctuator over a deadline index. Stream
 * time would only advance when records arrive, so with quiet inputs a trade would wait for its
 * votes forever (and a demo could never finish); and the grace is about how long we wait for a
 * lagging producer, which is a wall-clock notion. After downtime, a backlog is read in order within
 * seconds, so both halves of a decision in the backlog still meet.
 * <p>
 * With inputs keyed by model id ({@code input.keying=model-id}) the join runs in its models'
 * training task: it also reads the commands, and hands every record it puts on the training topic
 * (a pair, valid votes, a command, numbered by {@link TrainingPositions}) straight to the training
 * processor, so a close, its step and its outputs commit in one transaction, and the training
 * topic holds the records in the order they were trained. A record whose key is not its model, a
 * close that names no model, or a record in a partition its key does not hash to is dead-lettered.
 */
final class JoinProcessor implements Processor<byte[], byte[], Object, Object> {
    private static final Logger log = LoggerFactory.getLogger(JoinProcessor.class);

    private final String votesTopic;
    private final String tradesTopic;
    private final String defaultModelId;
    private final long ttlMs;
    private final long graceMs;
    private final Set<String> roster;
    private final Deserializer<DecisionVotes> votesDeserializer;
    private final Deserializer<TradeClosed> tradesDeserializer;
    private final boolean byModel;
    private final String commandsTopic;
    private final String trainingTopic;
    private final int partitions;
    private final Serializer<TrainingExample> exampleSerializer;
    private final LearningTopology.TrainingEnds trainingEnds;
    private KeyValueStore<String, Long> positions;
    /** The position the next training record of this task gets; -1 until read from the store. */
    private long nextPosition;

    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, JoinState> states;
    private KeyValueStore<Bytes, byte[]> deadlines;
    private CountStore counts;
    private DeadLetters deadLetters;
    private final Set<String> warnedAgents = new HashSet<>();
    /**
     * No index entry is due before this: a sweep seeks here rather than stepping over the
     * tombstones of the entries earlier sweeps deleted, which RocksDB keeps until a compaction.
     */
    private long sweptTo;

    private final StepListener listener;

    JoinProcessor(ServiceConfig config, Topics topics, StepListener listener, LearningTopology.TrainingEnds trainingEnds) {
        this.listener = listener;
        this.byModel = config.inputKeying() == InputKeying.MODEL_ID;
        this.commandsTopic = topics.commands().name();
        this.trainingTopic = topics.training().name();
        this.partitions = topics.training().spec().partitions();
        this.exampleSerializer = topics.training().valueSerde().serializer();
        this.trainingEnds = trainingEnds;
        this.votesTopic = topics.decisionVotes().name();
        this.tradesTopic = topics.tradeClosed().name();
        this.defaultModelId = config.defaultModelId();
        this.ttlMs = config.votesTtl().toMillis();
        this.graceMs = config.tradeGrace().toMillis();
        this.roster = Set.copyOf(config.learner().roster());
        this.votesDeserializer = topics.decisionVotes().valueSerde().deserializer();
        this.tradesDeserializer = topics.tradeClosed().valueSerde().deserializer();
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.states = context.getStateStore(LearningTopology.JOIN_STATE_STORE);
        this.deadlines = context.getStateStore(LearningTopology.JOIN_DEADLINES_STORE);
        this.counts = new CountStore(context.getStateStore(LearningTopology.JOIN_COUNTS_STORE), listener::onCount);
        this.deadLetters = new DeadLetters(context, LearningTopology.JOIN_DEAD_LETTER_SINK, counts);
        this.sweptTo = 0;
        this.nextPosition = -1;
        if (byModel) this.positions = context.getStateStore(LearningTopology.TRAINING_POSITIONS_STORE);
        context.schedule(sweepInterval(graceMs), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    /** Often enough that a grace ends within a quarter of its length (and within a second). */
    static Duration sweepInterval(long graceMs) {
        return Duration.ofMillis(Math.max(10, Math.min(1000, graceMs / 4)));
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("");
        if (byModel && topic.equals(commandsTopic)) {
            // applied where it lands among the trades, live and in a replay
            if (inItsPartition(record)) toTraining(keyOf(record), record.value());
        } else if (topic.equals(votesTopic)) {
            counts.increment(CountStore.VOTES_IN);
            onVotes(record);
        } else {
            counts.increment(CountStore.TRADES_IN);
            onTrade(record);
        }
    }

    private void onVotes(Record<byte[], byte[]> record) {
        DecisionVotes votes;
        try {
            votes = AvroTrades.decode(votesDeserializer, votesTopic, record.value(), DecisionVotes.class);
        } catch (InvalidTradeException e) {
            deadLetters.send(record, e.reason().code, e.getMessage());
            return;
        }
        String id = votes.getDecisionId();
        if (!keyMatches(record, id, LearningTopology.modelIdOf(votes.getModelId(), defaultModelId))) return;
        JoinState state = states.get(id);
        if (state != null && state.getStatus() != JoinStatus.TRADE_WAITING) {
            deadLetters.send(record, Rejection.DUPLICATE.code, "votes for decision " + id + " already received ("
                    + state.getStatus() + ")");
            return;
        }
        HeldRecord waitingTrade = state == null ? null : state.getHeld();
        Map<String, Vote> checked;
        try {
            checked = AvroTrades.votes(votes);
        } catch (InvalidTradeException e) {
            deadLetters.send(record, e.reason().code, e.getMessage());
            if (waitingTrade != null) {
                deadLetters.send(waitingTrade, Rejection.VOTES_REJECTED.code,
                        "the votes of decision " + id + " were rejected: " + e.reason().code);
                counts.add(CountStore.PENDING_TRADES, -1);
            }
            replace(id, state, JoinStatus.VOTES_REJECTED, now() + ttlMs, null);
            return;
        }
        countUnknownAgents(checked);
        toScoring(record, votes);
        if (waitingTrade != null) {
            TradeClosed trade = AvroTrades.decode(tradesDeserializer, tradesTopic, bytes(waitingTrade.getValue()));
            sendToTraining(votes, trade, waitingTrade.getTopic(), waitingTrade.getPartition(), waitingTrade.getOffset());
            counts.add(CountStore.PENDING_TRADES, -1);
            replace(id, state, JoinStatus.TRAINED, now() + ttlMs, null);
        } else {
            counts.add(CountStore.PENDING_VOTES, 1);
            replace(id, null, JoinStatus.VOTES_WAITING, now() + ttlMs, held(record));
        }
    }

    private void onTrade(Record<byte[], byte[]> record) {
        TradeClosed trade;
        try {
            trade = AvroTrades.decode(tradesDeserializer, tradesTopic, record.value(), TradeClosed.class);
            AvroTrades.checkTrade(trade);
        } catch (InvalidTradeException e) {
            // a bad close leaves the votes waiting: a corrected close may still come
            deadLetters.send(record, e.reason().code, e.getMessage());
            return;
        }
        String id = trade.getDecisionId();
        if (byModel && (trade.getModelId() == null || trade.getModelId().isBlank())) {
            deadLetters.send(record, DeadLetters.MODEL_MISSING, "the close of decision " + id + " names no model_id, "
                    + "but inputs are keyed by model id (input.keying=model-id): set model_id to the model its votes "
                    + "name ('" + defaultModelId + "' when they name none) and key the record by it");
            return;
        }
        if (!keyMatches(record, id, byModel ? trade.getModelId() : null)) return;
        JoinState state = states.get(id);
        if (state == null) {
            counts.add(CountStore.PENDING_TRADES, 1);
            replace(id, null, JoinStatus.TRADE_WAITING, now() + graceMs, held(record));
            return;
        }
        switch (state.getStatus()) {
            case VOTES_WAITING -> {
                DecisionVotes votes = AvroTrades.decode(votesDeserializer, votesTopic, bytes(state.getHeld().getValue()));
                RecordMetadata m = context.recordMetadata().orElseThrow();
                sendToTraining(votes, trade, m.topic(), m.partition(), m.offset());
                counts.add(CountStore.PENDING_VOTES, -1);
                replace(id, state, JoinStatus.TRAINED, now() + ttlMs, null);
            }
            case TRADE_WAITING -> deadLetters.send(record, Rejection.DUPLICATE.code,
                    "a close for decision " + id + " is already waiting for its votes");
            case TRAINED -> deadLetters.send(record, Rejection.DUPLICATE.code, "decision " + id + " was already trained on");
            case VOTES_REJECTED -> deadLetters.send(record, Rejection.VOTES_REJECTED.code,
                    "the votes of decision " + id + " were rejected");
        }
    }

    private void sendToTraining(DecisionVotes votes, TradeClosed trade, String topic, int partition, long offset) {
        String modelId = LearningTopology.modelIdOf(votes.getModelId(), defaultModelId);
        TrainingExample example = TrainingExample.newBuilder()
                .setModelId(modelId).setVotes(votes).setTrade(trade)
                .setSourceTopic(topic).setSourcePartition(partition).setSourceOffset(offset)
                .build();
        if (byModel) toTraining(modelId, exampleSerializer.serialize(trainingTopic, example));
        else context.forward(new Record<Object, Object>(modelId, example, now()), LearningTopology.TRAINING_SINK);
        counts.increment(CountStore.JOINED);
    }

    /**
     * Valid votes go to the training topic as they came (the same bytes), keyed by their model, so
     * the training task scores the decision between the same two steps wherever it runs; before
     * the pair when the close came first, so a score never comes after its own trade's step.
     */
    private void toScoring(Record<byte[], byte[]> record, DecisionVotes votes) {
        String modelId = LearningTopology.modelIdOf(votes.getModelId(), defaultModelId);
        if (byModel) toTraining(modelId, record.value());
        else context.forward(new Record<Object, Object>(modelId, record.value(), now()), LearningTopology.VOTES_TO_TRAINING_SINK);
    }

    /**
     * Model-keyed inputs: the record goes onto the training topic with its position and, in the same
     * transaction, to the training processor, which trains (or scores, or applies) it at once.
     */
    private void toTraining(String modelId, byte[] value) {
        if (nextPosition < 0) {
            Long stored = positions.get(POSITION_KEY);
            nextPosition = stored != null ? stored : trainingEnds.of(context.taskId().partition());
        }
        long position = nextPosition++;
        positions.put(POSITION_KEY, nextPosition);
        Record<Object, Object> out = new Record<>(modelId.getBytes(StandardCharsets.UTF_8), value, now(),
                new RecordHeaders().add(TrainingPositions.HEADER, TrainingPositions.encode(position)));
        context.forward(out, LearningTopology.TRAINING_RECORDS_SINK);
        context.forward(out, LearningTopology.TRAIN_NODE);
    }

    private static final String POSITION_KEY = "next";

    /**
     * The join relies on producers keying by the contract's key (the decision id, or the model id
     * in the partition it hashes to): otherwise the two halves of a decision may never meet, or a
     * model's record may land in a task that does not hold the model.
     */
    private boolean keyMatches(Record<byte[], byte[]> record, String decisionId, String modelId) {
        String key = keyOf(record);
        if (!byModel) {
            if (decisionId.equals(key)) return true;
            deadLetters.send(record, DeadLetters.KEY_MISMATCH, "key '" + key + "' is not the decision_id '" + decisionId
                    + "'; producers must key by decision_id (or set input.keying=model-id for records keyed by model)");
            return false;
        }
        if (!modelId.equals(key)) {
            deadLetters.send(record, DeadLetters.KEY_MISMATCH, "key '" + key + "' is not the model id '" + modelId
                    + "' of decision " + decisionId + "; with input.keying=model-id producers key both records by the "
                    + "model the decision teaches (the votes' model_id, or '" + defaultModelId + "' when they name none)");
            return false;
        }
        return inItsPartition(record);
    }

    /** Model-keyed: a record must sit in the partition its key hashes to, where its model's task runs. */
    private boolean inItsPartition(Record<byte[], byte[]> record) {
        String key = keyOf(record);
        int partition = context.recordMetadata().orElseThrow().partition();
        int expected = key == null ? -1 : ModelPartitions.of(key, partitions);
        if (expected == partition) return true;
        deadLetters.send(record, key == null ? DeadLetters.KEY_MISMATCH : DeadLetters.WRONG_PARTITION, key == null
                ? "the record has no key; with input.keying=model-id every input and command is keyed by its model id"
                : "key '" + key + "' hashes to partition " + expected + " of " + partitions + ", but the record is in "
                + "partition " + partition + "; publish with Kafka's default partitioner on the model id, to topics "
                + "with training.partitions partitions");
        return false;
    }

    private static String keyOf(Record<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    private void countUnknownAgents(Map<String, Vote> votes) {
        for (String agent : votes.keySet()) {
            if (roster.contains(agent)) continue;
            counts.increment(CountStore.UNKNOWN_AGENTS);
            if (warnedAgents.add(agent)) {
                log.warn("votes from agent '{}' are ignored: it is not in the roster {} (counted as {})",
                        agent, roster, CountStore.UNKNOWN_AGENTS);
            }
        }
    }

    /** Ends whatever is due: expires votes, dead-letters trades past their grace, forgets old ids. */
    private void expire(long now) {
        List<KeyValue<Bytes, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = deadlines.range(deadlineKey(sweptTo, ""), null)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                if (deadlineOf(entry.key) > now) break; // the index is ordered by deadline
                due.add(entry);
            }
        }
        sweptTo = Math.max(sweptTo, now + 1);
        for (KeyValue<Bytes, byte[]> entry : due) {
            deadlines.delete(entry.key);
            String id = decisionOf(entry.key);
            JoinState state = states.get(id);
            if (state == null) continue;
            if (state.getDeadline() > now) { // the decision moved on since this entry was written: look again then
                remindAt(state.getDeadline(), id);
                continue;
            }
            states.delete(id);
            switch (state.getStatus()) {
                case VOTES_WAITING -> {
                    counts.add(CountStore.PENDING_VOTES, -1);
                    counts.increment(CountStore.EXPIRED);
                    log.debug("votes of decision {} expired without a trade", id);
                }
                case TRADE_WAITING -> {
                    counts.add(CountStore.PENDING_TRADES, -1);
                    deadLetters.send(state.getHeld(), Rejection.VOTES_MISSING.code,
                            "no votes for decision " + id + " within the grace of " + graceMs + " ms");
                }
                case TRAINED, VOTES_REJECTED -> {
                    // remembered long enough to catch duplicates; now forgotten
                }
            }
        }
    }

    /**
     * An index entry is a reminder to look at the decision then, not its deadline: a new decision
     * gets one, and a decision that moves on keeps it (every move puts its deadline later), and the
     * sweep moves it on to the state's deadline when it comes. Deleted and written again at each
     * move, the entries left RocksDB tombstones ahead of every live entry (a decision's votes are
     * closed oldest first), and each sweep stepped over all of them: ~1 tombstone per trade since the
     * last compaction, once a second. It also takes two changelog records per decision off.
     */
    private void replace(String id, JoinState old, JoinStatus status, long deadline, HeldRecord held) {
        states.put(id, JoinState.newBuilder().setStatus(status).setDeadline(deadline).setHeld(held).build());
        if (old == null || deadline < old.getDeadline()) remindAt(deadline, id);
    }

    private void remindAt(long deadline, String id) {
        deadlines.put(deadlineKey(deadline, id), new byte[0]);
        sweptTo = Math.min(sweptTo, deadline); // only if the wall clock went back by more than the deadline's length
    }

    private HeldRecord held(Record<byte[], byte[]> record) {
        RecordMetadata m = context.recordMetadata().orElseThrow();
        return HeldRecord.newBuilder()
                .setTopic(m.topic()).setPartition(m.partition()).setOffset(m.offset())
                .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setValue(ByteBuffer.wrap(record.value()))
                .build();
    }

    private long now() {
        return context.currentSystemTimeMs();
    }

    /** Big-endian deadline then the id: byte order is deadline order (deadlines are positive). */
    static Bytes deadlineKey(long deadline, String decisionId) {
        byte[] id = decisionId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + id.length).putLong(deadline).put(id).array());
    }

    private static long deadlineOf(Bytes key) {
        return ByteBuffer.wrap(key.get()).getLong();
    }

    private static String decisionOf(Bytes key) {
        byte[] k = key.get();
        return new String(k, 8, k.length - 8, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        return DeadLetters.bytes(buffer);
    }
}
