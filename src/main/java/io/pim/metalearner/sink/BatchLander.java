package io.pim.metalearner.sink;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Lands a {@link Batch} in PostgreSQL in one transaction of upserts ({@link LandingDao}). What a
 * failure means is {@link SqlFailure}'s call: a row's content refused, and the batch is landed
 * again row by row so that only the bad rows become dead letters; the database away, and the
 * caller gets {@link Unavailable} to wait and try the same batch again; anything else stops the
 * writer with the error. Holds one connection between batches, reopened after an outage.
 */
final class BatchLander implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchLander.class);

    /** The dead-letter reason of a row whose content the database refused. */
    static final String DATABASE_REFUSED = "database-refused";

    private final Jdbi jdbi;
    private Handle handle;

    BatchLander(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    void land(Batch batch) {
        try {
            if (handle == null) handle = jdbi.open();
            handle.useTransaction(transaction -> {
                LandingDao dao = transaction.attach(LandingDao.class);
                if (!batch.trainingLogs.isEmpty()) dao.upsertTrainingLogs(Batch.rows(batch.trainingLogs));
                if (!batch.agentPerformance.isEmpty()) dao.upsertAgentPerformance(Batch.rows(batch.agentPerformance));
                if (!batch.weightSnapshots.isEmpty()) dao.upsertWeightSnapshots(Batch.rows(batch.weightSnapshots));
                for (Batch.Pending<CheckpointEvent> event : batch.checkpoints) dao.land(event.row());
                if (!batch.commands.isEmpty()) dao.upsertCommands(Batch.rows(batch.commands));
                if (!batch.commandResults.isEmpty()) dao.upsertCommandResults(Batch.rows(batch.commandResults));
            });
        } catch (RuntimeException e) {
            if (SqlFailure.of(e) != SqlFailure.DATA) throw refusedOrAway(e);
            // the database refused some row's content: find it, one row per transaction
            log.warn("Batch refused ({}); landing it row by row to dead-letter the bad rows", Unavailable.rootMessage(e));
            landRowByRow(batch);
        }
    }

    /** A transient failure as {@link Unavailable} (the batch is retried); a fatal one as the error that stops the writer. */
    private RuntimeException refusedOrAway(RuntimeException e) {
        if (SqlFailure.of(e) == SqlFailure.TRANSIENT) {
            close(); // the next try opens a fresh connection
            return new Unavailable("the database", e);
        }
        return new IllegalStateException("PostgreSQL refused the batch with SQLState " + SqlFailure.sqlState(e)
                + " (" + Unavailable.rootMessage(e) + "): not a row's content and not a passing outage, so the writer stops and "
                + "commits nothing of this batch. Fix the database (schema, privileges, credentials), then start the writer again.", e);
    }

    private void landRowByRow(Batch batch) {
        landEach(batch, batch.trainingLogs.values(), (dao, row) -> dao.upsertTrainingLogs(List.of(row)));
        landEach(batch, batch.agentPerformance.values(), (dao, row) -> dao.upsertAgentPerformance(List.of(row)));
        landEach(batch, batch.weightSnapshots.values(), (dao, row) -> dao.upsertWeightSnapshots(List.of(row)));
        landEach(batch, batch.checkpoints, LandingDao::land);
        landEach(batch, batch.commands.values(), (dao, row) -> dao.upsertCommands(List.of(row)));
        landEach(batch, batch.commandResults.values(), (dao, row) -> dao.upsertCommandResults(List.of(row)));
    }

    private <T> void landEach(Batch batch, Collection<Batch.Pending<T>> pending, BiConsumer<LandingDao, T> upsert) {
        for (var rows = pending.iterator(); rows.hasNext(); ) {
            Batch.Pending<T> p = rows.next();
            try {
                handle.useTransaction(transaction -> upsert.accept(transaction.attach(LandingDao.class), p.row()));
            } catch (RuntimeException e) {
                // away: the whole batch is retried (rows landed so far are upserted again); fatal: the writer stops
                if (SqlFailure.of(e) != SqlFailure.DATA) throw refusedOrAway(e);
                batch.deadLetter(p.record(), DATABASE_REFUSED, "SQLState " + SqlFailure.sqlState(e) + ": " + Unavailable.rootMessage(e));
                batch.records--;
                rows.remove(); // so a retry of the batch does not meet it again
            }
        }
    }

    /** Gives back the connection; the next batch opens another. */
    @Override
    public void close() {
        if (handle == null) return;
        try {
            handle.close();
        } catch (RuntimeException ignored) {
            // the connection is already gone
        }
        handle = null;
    }
}
