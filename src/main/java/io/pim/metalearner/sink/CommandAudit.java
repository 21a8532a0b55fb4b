package io.pim.metalearner.sink;

import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;

import java.time.Instant;
import java.util.Locale;

/**
 * The two halves of a row of {@code metalearner_commands}, keyed by command id: what the
 * {@code commands} topic says was asked ({@link Issued}) and what {@code command-results} says
 * became of it ({@link Decided}). Each half upserts only its own columns, so the row is whole
 * whichever lands first.
 */
public final class CommandAudit {

    private CommandAudit() {
    }

    /** A command as issued; a learner state it carries (RESTORE, INSTALL_CANDIDATE) is kept as its size only. */
    public record Issued(String commandId, String modelId, String type, String fromModel, Long toStep, Long caughtUpOffset,
                         Integer stateBytes, String issuedBy, Instant issuedAt) {

        static Issued of(Command c) throws AvroRecordReader.Unusable {
            requireId(c.getCommandId());
            return new Issued(c.getCommandId(), c.getModelId(), typeWord(c.getType().name()), c.getFromModel(), c.getToStep(),
                    c.getCaughtUpOffset(), c.getState() == null ? null : c.getState().remaining(), c.getIssuedBy(),
                    c.getIssuedAt());
        }
    }

    /** A command's outcome; a result's "none" values (-1 step, empty fingerprint or reason) land as NULL. */
    public record Decided(String commandId, String modelId, String type, String outcome, String reason, String detail,
                          Long trainingStep, String fingerprint, Long sourceOffset, Instant decidedAt) {

        static Decided of(CommandResult r) throws AvroRecordReader.Unusable {
            requireId(r.getCommandId());
            return new Decided(r.getCommandId(), r.getModelId(), r.getType(), r.getApplied() ? "applied" : "rejected",
                    emptyAsNull(r.getReason()), emptyAsNull(r.getDetail()),
                    r.getTrainingStep() < 0 ? null : r.getTrainingStep(), emptyAsNull(r.getFingerprint()),
                    r.getSourceOffset() < 0 ? null : r.getSourceOffset(), r.getTimestamp());
        }
    }

    /** The words of the results and the CLI: PROMOTE is promote, INSTALL_CANDIDATE install-candidate. */
    static String typeWord(String symbol) {
        return symbol.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    // the id is the row's key: blank ids would all fall on one row and overwrite each other's audit
    private static void requireId(String commandId) throws AvroRecordReader.Unusable {
        if (commandId == null || commandId.isBlank()) {
            throw new AvroRecordReader.Unusable("bad-command", "command_id is blank: there is no row to land it in");
        }
    }

    private static String emptyAsNull(String text) {
        return text == null || text.isEmpty() ? null : text;
    }
}
