package io.pim.metalearner.sink;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Set;

/**
 * What a failed statement means for the writer, by PostgreSQL's SQLState: only a row's content
 * is worth a dead letter; a database that is away or busy is waited for; anything else (a
 * missing table or column, a missing privilege, a wrong password) is fixed by a person, not by
 * retrying and not by dead-lettering every record that meets it.
 */
enum SqlFailure {
    /**
     * Class 22 (data exception), 23 (integrity constraint violation), 21000 (cardinality), 54000
     * (a limit a value exceeds, e.g. a 200 KB decision id is too big for its index: found by the
     * fuzzer, it stopped the writer): dead-letter that row.
     */
    DATA,
    /**
     * Class 08 (connection), 53 (insufficient resources), 57 (operator intervention: shutdown,
     * statement timeout), 55P03 (lock not available), 40001/40P01 (serialization failure,
     * deadlock), 25006 (read-only transaction: a standby, e.g. during a failover), or an I/O
     * error without a SQLState: wait and retry the batch.
     */
    TRANSIENT,
    /** Everything else, e.g. 42 (syntax, undefined table/column, privilege) and 28 (authorization): stop. */
    FATAL;

    private static final Set<String> TRANSIENT_STATES = Set.of("55P03", "40001", "40P01", "25006");

    static SqlFailure of(Throwable e) {
        String state = sqlState(e);
        if (state == null) return causedBy(e, IOException.class) ? TRANSIENT : FATAL;
        if (state.startsWith("22") || state.startsWith("23") || state.equals("21000") || state.equals("54000")) return DATA;
        if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57") || TRANSIENT_STATES.contains(state)) {
            return TRANSIENT;
        }
        return FATAL;
    }

    /** The first SQLState in the cause chain (a batch's real error may hide behind getNextException). */
    static String sqlState(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                for (SQLException next = sql; next != null; next = next.getNextException()) {
                    if (next.getSQLState() != null) return next.getSQLState();
                }
            }
        }
        return null;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) return true;
        }
        return false;
    }
}
