package io.pim.metalearner.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.Checkpoint;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;

/**
 * Turns a poll's records into a {@link Batch}: rows for the five tables (a checkpoint, or a
 * checkpoint's tombstone, as a {@link CheckpointEvent}; a command and its result as the two halves
 * of one {@link CommandAudit} row), and a dead letter with its reason for each
 * record that cannot become one (unreadable bytes, an unknown schema, the wrong type for its topic,
 * a JSON column that is not a JSON object, a checkpoint state that is not what it claims, a blank
 * command id). No consumer and no database here, so it can be tested alone; only the writer schemas come from the registry.
 * <p>
 * A registry that is away is not a record's fault: {@link AvroRecordReader} throws
 * {@link Unavailable} and the caller decodes the same records again later.
 */
final class BatchDecoder {
    private final WriterConfig.Topics topics;
    private final AvroRecordReader avro;
    private final ObjectMapper json = new ObjectMapper();

    BatchDecoder(WriterConfig.Topics topics, AvroRecordReader avro) {
        this.topics = topics;
        this.avro = avro;
    }

    Batch decode(Iterable<ConsumerRecord<byte[], byte[]>> records) {
        Batch batch = new Batch();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.topic().equals(topics.checkpoints())) {
                checkpoint(batch, record);
                continue;
            }
            Object value;
            try {
                value = avro.read(record.value(), expectedType(record.topic()));
            } catch (AvroRecordReader.Unusable e) {
                batch.deadLetter(record, e.reason, e.getMessage() + " on topic " + record.topic());
                continue;
            }
            String problem = null;
            if (record.topic().equals(topics.trainingLog()) && value instanceof TrainingLog row) {
                problem = jsonObjectProblem("agent_votes", row.getAgentVotes());
                if (problem == null) Batch.keepNewest(batch.trainingLogs, List.of(row.getModelId(), row.getTrainingStep()),
                        new Batch.Pending<>(row, record, row.getSourceOffset(), row.getTrainingStep()));
            } else if (record.topic().equals(topics.agentPerformance()) && value instanceof AgentPerformance row) {
                Batch.keepNewest(batch.agentPerformance, List.of(row.getModelId(), row.getAgentId()),
                        new Batch.Pending<>(row, record, row.getSourceOffset(), row.getTrainingStep()));
            } else if (record.topic().equals(topics.weightSnapshots()) && value instanceof WeightSnapshot row) {
                problem = jsonObjectProblem("agent_weights", row.getAgentWeights());
                if (problem == null) Batch.keepNewest(batch.weightSnapshots, List.of(row.getModelId(), row.getTrainingStep()),
                        new Batch.Pending<>(row, record, row.getSourceOffset(), row.getTrainingStep()));
            } else if (record.topic().equals(topics.commands()) && value instanceof Command command) {
                problem = issued(batch, record, command);
            } else if (record.topic().equals(topics.commandResults()) && value instanceof CommandResult result) {
                problem = decided(batch, record, result);
            } else {
                problem = "wrong-type: " + (value == null ? "null value (tombstone)" : value.getClass().getSimpleName())
                        + " on topic " + record.topic();
            }
            if (problem != null) {
                String reason = problem.substring(0, problem.indexOf(':'));
                batch.deadLetter(record, reason, problem.substring(reason.length() + 2));
            } else {
                batch.records++;
            }
        }
        return batch;
    }

    private void checkpoint(Batch batch, ConsumerRecord<byte[], byte[]> record) {
        CheckpointEvent event;
        try {
            event = record.value() == null ? CheckpointEvent.Deleted.of(record.key(), record.timestamp())
                    : CheckpointEvent.Row.of(avro.read(record.value(), Checkpoint.class));
        } catch (AvroRecordReader.Unusable e) {
            batch.deadLetter(record, e.reason, e.getMessage() + " on topic " + record.topic());
            return;
        }
        long sourceOffset = event instanceof CheckpointEvent.Row row ? row.sourceOffset() : -1;
        long step = event instanceof CheckpointEvent.Row row ? row.trainingStep() : ((CheckpointEvent.Deleted) event).trainingStep();
        batch.checkpoints.add(new Batch.Pending<>(event, record, sourceOffset, step));
        batch.records++;
    }

    // the consumer reads only the landed topics; checkpoints are decoded apart, so anything else is a snapshot topic
    private Class<? extends SpecificRecord> expectedType(String topic) {
        if (topic.equals(topics.trainingLog())) return TrainingLog.class;
        if (topic.equals(topics.agentPerformance())) return AgentPerformance.class;
        if (topic.equals(topics.commands())) return Command.class;
        if (topic.equals(topics.commandResults())) return CommandResult.class;
        return WeightSnapshot.class;
    }

    /** A command's half of its row, the newest per command id by its offset on the commands topic; returns "reason: detail" or null. */
    private String issued(Batch batch, ConsumerRecord<byte[], byte[]> record, Command command) {
        try {
            CommandAudit.Issued row = CommandAudit.Issued.of(command);
            Batch.keepNewest(batch.commands, List.of(row.commandId()), new Batch.Pending<>(row, record, record.offset(), 0));
            return null;
        } catch (AvroRecordReader.Unusable e) {
            return e.reason + ": " + e.getMessage();
        }
    }

    /** A result's half, the newest per command id by the training-topic offset it was applied at (as the upsert compares). */
    private String decided(Batch batch, ConsumerRecord<byte[], byte[]> record, CommandResult result) {
        try {
            CommandAudit.Decided row = CommandAudit.Decided.of(result);
            Batch.keepNewest(batch.commandResults, List.of(row.commandId()),
                    new Batch.Pending<>(row, record, result.getSourceOffset(), record.offset()));
            return null;
        } catch (AvroRecordReader.Unusable e) {
            return e.reason + ": " + e.getMessage();
        }
    }

    /** JSON columns must hold a JSON object; returns "invalid-json: detail" or null. */
    private String jsonObjectProblem(String field, String text) {
        try {
            JsonNode node = json.readTree(text);
            if (node != null && node.isObject()) return null;
            return "invalid-json: " + field + " is not a JSON object";
        } catch (Exception e) {
            return "invalid-json: " + field + ": " + e.getMessage();
        }
    }
}
