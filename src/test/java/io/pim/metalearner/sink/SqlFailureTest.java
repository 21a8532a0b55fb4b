package io.pim.metalearner.sink;

import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

class SqlFailureTest {

    private static SqlFailure of(String sqlState) {
        // as Jdbi hands it over: the driver's exception wrapped in its own
        return SqlFailure.of(new RuntimeException("statement failed", new SQLException("refused", sqlState)));
    }

    @Test
    void onlyARowsContentIsADeadLetter() {
        assertThat(of("22P05")).as("untranslatable character").isEqualTo(SqlFailure.DATA);
        assertThat(of("23502")).as("not-null violation").isEqualTo(SqlFailure.DATA);
        assertThat(of("21000")).as("cardinality violation").isEqualTo(SqlFailure.DATA);
        assertThat(of("54000")).as("a value over a limit, e.g. an index row too big").isEqualTo(SqlFailure.DATA);
    }

    @Test
    void aDatabaseAwayOrBusyIsWaitedFor() {
        for (String state : new String[]{"08006", "08001", "53300", "57P01", "57014", "55P03", "40001", "40P01", "25006"}) {
            assertThat(of(state)).as(state).isEqualTo(SqlFailure.TRANSIENT);
        }
        assertThat(SqlFailure.of(new RuntimeException(new ConnectException("Connection refused")))).isEqualTo(SqlFailure.TRANSIENT);
    }

    @Test
    void schemaPrivilegeAndAuthorizationErrorsStopTheWriter() {
        for (String state : new String[]{"42P01", "42703", "42501", "28P01", "3D000", "25P02"}) {
            assertThat(of(state)).as(state).isEqualTo(SqlFailure.FATAL);
        }
        assertThat(SqlFailure.of(new IllegalArgumentException("no SQLState at all"))).isEqualTo(SqlFailure.FATAL);
    }

    @Test
    void aBatchsErrorIsFoundBehindItsNextException() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 was aborted", (String) null, new int[0]);
        batch.setNextException(new SQLException("permission denied for table agent_performance", "42501"));

        assertThat(SqlFailure.sqlState(new RuntimeException(batch))).isEqualTo("42501");
    }
}
