package io.pim.metalearner.kafka;

import io.pim.metalearner.avro.Direction;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FeedbackEventsTest {
    private static final String SEED_BODY = """
            {"decision_id":"d-1","workflow_id":"wf-1","symbol":"AAPL","action":"BUY","entry_price":150.0,
             "exit_price":157.5,"actual_profit":75.0,"hold_duration":5,
             "agent_votes":{"TradingAgent":{"direction":"LONG","confidence":0.85,"position_size":10.0}}}""";

    @Test
    void seedBodyBecomesVotesAndClose() throws Exception {
        // when
        FeedbackEvents.Pair pair = FeedbackEvents.parse(SEED_BODY, Instant.ofEpochMilli(1_000L));

        // then
        assertThat(pair.decisionId()).isEqualTo("d-1");
        assertThat(pair.votes().getWorkflowId()).isEqualTo("wf-1");
        assertThat(pair.votes().getAction()).isEqualTo("BUY");
        assertThat(pair.votes().getModelId()).isNull();
        assertThat(pair.votes().getAgentVotes().get("TradingAgent").getDirection()).isEqualTo(Direction.LONG);
        assertThat(pair.votes().getAgentVotes().get("TradingAgent").getConfidence()).isEqualTo(0.85);
        assertThat(pair.close().getEntryPrice()).isEqualTo(150.0);
        assertThat(pair.close().getExitPrice()).isEqualTo(157.5);
        assertThat(pair.close().getActualProfit()).isEqualTo(75.0);
        assertThat(pair.close().getHoldDuration()).isEqualTo(5.0);
        assertThat(pair.close().getClosedAt()).isEqualTo(Instant.ofEpochMilli(1_000L));
    }

    @Test
    void invalidValuesTravelForTheStreamToJudge() throws Exception {
        // given values the Avro contract can carry but the stream must reject
        String body = """
                {"decision_id":"d-2","symbol":"X","action":"SELL","entry_price":-1,"exit_price":NaN,
                 "agent_votes":{"A":{"direction":"SIDEWAYS","confidence":3.0}}}""";

        // when
        FeedbackEvents.Pair pair = FeedbackEvents.parse(body, Instant.EPOCH);

        // then they are passed on unchanged, the unknown direction as the enum's UNKNOWN
        assertThat(pair.close().getEntryPrice()).isEqualTo(-1.0);
        assertThat(pair.close().getExitPrice()).isNaN();
        assertThat(pair.votes().getAgentVotes().get("A").getDirection()).isEqualTo(Direction.UNKNOWN);
        assertThat(pair.votes().getAgentVotes().get("A").getConfidence()).isEqualTo(3.0);
        assertThat(pair.votes().getAgentVotes().get("A").getPositionSize()).isEqualTo(0.0);
    }

    @Test
    void bodiesTheContractCannotHoldAreUnmappable() {
        assertThatThrownBy(() -> FeedbackEvents.parse("not json at all", Instant.EPOCH))
                .isInstanceOfSatisfying(FeedbackEvents.Unmappable.class, e -> assertThat(e.decisionId()).isEmpty());
        assertThatThrownBy(() -> FeedbackEvents.parse("""
                {"decision_id":"d-3","action":"BUY","entry_price":"150","exit_price":1,"agent_votes":{}}""", Instant.EPOCH))
                .isInstanceOfSatisfying(FeedbackEvents.Unmappable.class, e -> {
                    assertThat(e.decisionId()).contains("d-3");
                    assertThat(e).hasMessageContaining("entry_price");
                });
        assertThatThrownBy(() -> FeedbackEvents.parse("""
                {"decision_id":"d-4","entry_price":1,"exit_price":1,"agent_votes":{}}""", Instant.EPOCH))
                .hasMessageContaining("action is missing");
        // as the learner's own parser: a key given twice is not JSON we can read one way
        assertThatThrownBy(() -> FeedbackEvents.parse(SEED_BODY.replace("\"entry_price\":150.0",
                "\"entry_price\":150.0,\"entry_price\":1.0"), Instant.EPOCH))
                .isInstanceOf(FeedbackEvents.Unmappable.class).hasMessageContaining("Duplicate field 'entry_price'");
    }
}
