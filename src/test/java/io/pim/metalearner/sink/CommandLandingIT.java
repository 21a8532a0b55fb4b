package io.pim.metalearner.sink;

import io.pim.metalearner.testing.Landing;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.CommandType;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.PostgresExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestNames;
import io.pim.metalearner.testing.TestPostgres;
import io.pim.metalearner.testing.TestProducers;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The writer lands the commands audit in {@code metalearner_commands} on a real broker, Apicurio
 * and PostgreSQL: a command and its result, from two topics, become one row keyed by the command id
 * whichever lands first; a state a command carries is kept as its size; bad records are dead
 * letters with their reasons; landing it all again changes nothing.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class, PostgresExtension.class})
class CommandLandingIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(120);
    private static final String MODEL = "m";
    private static final Instant ISSUED = Instant.parse("2026-12-01T12:00:00Z");
    private static final Instant DECIDED = Instant.parse("2026-12-01T12:00:01Z");

    @Test
    void aCommandAndItsResultLandAsOneRowOnceAndBadRecordsAreDeadLettered(TestKafka kafka, EmbeddedRegistry registry,
                                                                          TestPostgres postgres) throws Exception {
        // given: an operator's rollback, applied; a restore carrying a 5,000-byte state, rejected (its result on the
        // topic before the command); the rollback delivered twice
        String name = TestNames.unique("commands");
        WriterConfig.Topics topics = Landing.topics(name);
        Landing.createTopics(kafka, topics);
        String jdbcUrl = postgres.createDatabase("commands").jdbcUrl();
        Command rollback = command("cli-rollback-1", CommandType.ROLLBACK).setToStep(20L).setIssuedBy("cli").build();
        CommandResult rolledBack = result(rollback, true).setTrainingStep(20).setFingerprint("ab".repeat(32)).build();
        Command restore = command("http-restore-2", CommandType.RESTORE).setState(ByteBuffer.wrap(new byte[5_000]))
                .setIssuedBy("http").build();
        CommandResult refused = result(restore, false).setReason("corrupt-state").setDetail("the state does not decode").build();

        // when: they arrive, with a command without an id, bytes that are no Avro, and a tombstone
        try (KafkaProducer<String, SpecificRecord> producer = Landing.producer(kafka.bootstrapServers(), registry.apiUrl());
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(TestProducers.config(kafka.bootstrapServers()),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            TestProducers.Sends<String, SpecificRecord> sends = TestProducers.checked(producer);
            sends.send(new ProducerRecord<>(topics.commandResults(), MODEL, refused));
            sends.send(new ProducerRecord<>(topics.commands(), MODEL, rollback));
            sends.send(new ProducerRecord<>(topics.commands(), MODEL, rollback));
            sends.send(new ProducerRecord<>(topics.commands(), MODEL, restore));
            sends.send(new ProducerRecord<>(topics.commandResults(), MODEL, rolledBack));
            sends.send(new ProducerRecord<>(topics.commands(), MODEL, command(" ", CommandType.RESET).build()));
            sends.send(new ProducerRecord<>(topics.commands(), MODEL, null));
            sends.awaitAll();
            TestProducers.sendAndWait(raw, new ProducerRecord<>(topics.commandResults(), MODEL.getBytes(StandardCharsets.UTF_8),
                    "not avro at all".getBytes(StandardCharsets.UTF_8)));
        }
        try (JdbiWriter writer = JdbiWriter.start(Landing.writerConfig(kafka, registry.apiUrl(), jdbcUrl, topics, name))) {
            writer.awaitCaughtUp(CATCH_UP);
        }

        // then: one row per command, what was asked beside what became of it
        Jdbi db = Landing.jdbi(jdbcUrl);
        List<Map<String, Object>> rows = commandRows(db);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).containsEntry("command_id", "cli-rollback-1").containsEntry("model_id", MODEL)
                .containsEntry("type", "rollback").containsEntry("to_step", 20L).containsEntry("from_model", null)
                .containsEntry("state_bytes", null).containsEntry("issued_by", "cli").containsEntry("issued_at", ISSUED)
                .containsEntry("outcome", "applied").containsEntry("reason", null).containsEntry("training_step", 20L)
                .containsEntry("fingerprint", "ab".repeat(32)).containsEntry("source_offset", 1_000L)
                .containsEntry("decided_at", DECIDED);
        // and a rejected one has its reason and no step or fingerprint; its state is only a size
        assertThat(rows.get(1)).containsEntry("command_id", "http-restore-2").containsEntry("type", "restore")
                .containsEntry("state_bytes", 5_000).containsEntry("issued_by", "http")
                .containsEntry("outcome", "rejected").containsEntry("reason", "corrupt-state")
                .containsEntry("detail", "the state does not decode").containsEntry("training_step", null)
                .containsEntry("fingerprint", null);
        // and the three unusable records are dead letters with their reasons
        assertThat(Landing.readDeadLetters(kafka.bootstrapServers(), registry.apiUrl(), topics.deadLetter(), 3))
                .extracting(DeadLetter::getReason, d -> d.getSourceTopic())
                .containsExactlyInAnyOrder(tuple("bad-command", topics.commands()), tuple("unreadable", topics.commands()),
                        tuple("unreadable", topics.commandResults()));

        // when: a writer of another group lands both topics again
        try (JdbiWriter again = JdbiWriter.start(Landing.writerConfig(kafka, registry.apiUrl(), jdbcUrl, topics, name + "-again"))) {
            again.awaitCaughtUp(CATCH_UP);
        }
        // then: nothing changed
        assertThat(commandRows(db)).isEqualTo(rows);
    }

    private static Command.Builder command(String id, CommandType type) {
        return Command.newBuilder().setCommandId(id).setModelId(MODEL).setType(type).setIssuedAt(ISSUED);
    }

    private static CommandResult.Builder result(Command command, boolean applied) {
        return CommandResult.newBuilder().setCommandId(command.getCommandId()).setModelId(command.getModelId())
                .setType(CommandAudit.typeWord(command.getType().name())).setApplied(applied).setSourceOffset(1_000)
                .setTimestamp(DECIDED);
    }

    /** The table by command id, timestamps as instants. */
    private static List<Map<String, Object>> commandRows(Jdbi db) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM metalearner_commands ORDER BY command_id").map((rs, ctx) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                Object value = rs.getObject(c);
                if (value instanceof java.sql.Timestamp ts) value = ts.toInstant();
                if (value instanceof java.time.OffsetDateTime odt) value = odt.toInstant();
                row.put(rs.getMetaData().getColumnName(c), value);
            }
            return row;
        }).collect(java.util.stream.Collectors.toCollection(ArrayList::new)));
    }
}
