package io.pim.metalearner.learn.trade;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class FeedbackJsonTest {
    static final String SEED_BODY = """
            {"decision_id":"d-1","workflow_id":"wf-1","symbol":"AAPL","action":"BUY","entry_price":150.0,\
            "exit_price":157.5,"actual_profit":75.0,"hold_duration":5,\
            "agent_votes":{"TradingAgent":{"direction":"LONG","confidence":0.85,"position_size":10.0}}}""";

    @Test
    void seedBodyParsesAndUnusedFieldsAreIgnored() {
        // given the seed's example body plus a field nobody knows
        String body = SEED_BODY.replace("\"symbol\"", "\"color\":\"blue\",\"symbol\"");
        // when
        Trade t = FeedbackJson.parse(body);
        // then
        assertThat(t.decisionId()).isEqualTo("d-1");
        assertThat(t.priceMove()).isEqualTo(0.05);
        assertThat(t.votes()).containsEntry("TradingAgent", new Vote(Direction.LONG, 0.85, 10.0));
    }

    @Test
    void decidedAtAndClosedAtAreInstantsOrDatesAndNullWhenAbsent() {
        // given the timestamps as simulate --prices writes them (dates), as instants, with an offset, and none
        String dates = SEED_BODY.replace("\"symbol\"", "\"decided_at\":\"1995-07-21\",\"closed_at\":\"1995-07-28\",\"symbol\"");
        String instants = SEED_BODY.replace("\"symbol\"",
                "\"decided_at\":\"2026-12-07T14:30:00Z\",\"closed_at\":\"2026-12-07T16:30:00+01:00\",\"symbol\"");
        // when
        FeedbackJson.Timed a = FeedbackJson.parseTimed(dates), b = FeedbackJson.parseTimed(instants), c = FeedbackJson.parseTimed(SEED_BODY);
        // then a date is the start of its day, UTC; an offset is applied
        assertThat(a.decidedAt()).isEqualTo(Instant.parse("1995-07-21T00:00:00Z"));
        assertThat(a.closedAt()).isEqualTo(Instant.parse("1995-07-28T00:00:00Z"));
        assertThat(b.closedAt()).isEqualTo(Instant.parse("2026-12-07T15:30:00Z"));
        assertThat(c.hasTimes()).isFalse();
        assertThat(c.trade()).isEqualTo(FeedbackJson.parse(SEED_BODY));
        InvalidTradeException e = catchThrowableOfType(InvalidTradeException.class,
                () -> FeedbackJson.parseTimed(SEED_BODY.replace("\"symbol\"", "\"closed_at\":20261207,\"symbol\"")));
        assertThat(e.reason()).isEqualTo(Rejection.WRONG_TYPE);
    }

    @Test
    void missingPositionSizeCountsAsZero() {
        // given
        String body = SEED_BODY.replace(",\"position_size\":10.0", "");
        // when
        Trade t = FeedbackJson.parse(body);
        // then
        assertThat(t.votes().get("TradingAgent").positionSize()).isZero();
    }

    static Stream<Arguments> badBodies() {
        return Stream.of(
                arguments("{not json", Rejection.UNREADABLE),
                arguments("[1, 2]", Rejection.UNREADABLE),
                arguments(SEED_BODY + " trailing", Rejection.UNREADABLE),
                arguments(SEED_BODY.replace("\"entry_price\":150.0", "\"entry_price\":150.0,\"entry_price\":1.0"), Rejection.UNREADABLE),
                arguments(SEED_BODY.replace("\"confidence\":0.85", "\"confidence\":0.85,\"confidence\":0.1"), Rejection.UNREADABLE),
                arguments(SEED_BODY.replace("\"exit_price\":157.5,", ""), Rejection.MISSING_FIELD),
                arguments(SEED_BODY.replace("\"decision_id\":\"d-1\"", "\"decision_id\":null"), Rejection.MISSING_FIELD),
                arguments(SEED_BODY.replace("\"decision_id\":\"d-1\"", "\"decision_id\":\" \""), Rejection.MISSING_FIELD),
                arguments(SEED_BODY.replace(",\"confidence\":0.85", ""), Rejection.MISSING_FIELD),
                arguments(SEED_BODY.replace("150.0", "\"150.0\""), Rejection.WRONG_TYPE),
                arguments(SEED_BODY.replace("150.0", "NaN"), Rejection.NON_FINITE_PRICE),
                arguments(SEED_BODY.replace("157.5", "1e400"), Rejection.NON_FINITE_PRICE),
                arguments(SEED_BODY.replace("157.5", "0"), Rejection.NON_POSITIVE_PRICE),
                arguments(SEED_BODY.replace("150.0", "-150.0"), Rejection.NON_POSITIVE_PRICE),
                arguments(SEED_BODY.replace("0.85", "1.5"), Rejection.CONFIDENCE_OUT_OF_RANGE),
                arguments(SEED_BODY.replace("0.85", "-0.1"), Rejection.CONFIDENCE_OUT_OF_RANGE),
                arguments(SEED_BODY.replace("0.85", "NaN"), Rejection.NON_FINITE_VALUE),
                arguments(SEED_BODY.replace("10.0", "Infinity"), Rejection.NON_FINITE_VALUE),
                arguments(SEED_BODY.replace("\"LONG\"", "\"UP\""), Rejection.UNKNOWN_DIRECTION),
                arguments(SEED_BODY.replace("\"BUY\"", "\"SEL\""), Rejection.UNKNOWN_ACTION),
                arguments(SEED_BODY.replace("\"BUY\"", "\"HOLD\""), Rejection.UNKNOWN_ACTION),
                arguments(SEED_BODY.replace("\"BUY\"", "\" \""), Rejection.MISSING_FIELD));
    }

    @ParameterizedTest
    @MethodSource("badBodies")
    void badBodyIsRejectedWithItsReason(String body, Rejection expected) {
        // given a body with one thing wrong
        // when
        var e = catchThrowableOfType(InvalidTradeException.class, () -> FeedbackJson.parse(body));
        // then
        assertThat(e).as(body).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"BUY, false", "long, false", "' Buy ', false",
            "SELL, true", "short, true", "' sell_short', true"})
    void actionsAreReadInAnyCaseAndTrimmed(String action, boolean isShort) {
        // given
        String body = SEED_BODY.replace("\"BUY\"", "\"" + action + "\"");
        // when
        Trade t = FeedbackJson.parse(body);
        // then
        assertThat(t.isShort()).isEqualTo(isShort);
        assertThat(t.targetReturn()).isEqualTo(isShort ? -0.05 : 0.05);
    }

    @Test
    void valuesFiniteAsDoublesButNotAsFloatsAreRejectedNamingTheField() {
        // given a return of 1e39 and a position size of 1e39: finite doubles, infinite floats
        String hugeReturn = SEED_BODY.replace("150.0", "1e-39").replace("157.5", "1.0");
        String hugeSize = SEED_BODY.replace("10.0", "1e39");
        // when
        var r = catchThrowableOfType(InvalidTradeException.class, () -> FeedbackJson.parse(hugeReturn));
        var s = catchThrowableOfType(InvalidTradeException.class, () -> FeedbackJson.parse(hugeSize));
        // then
        assertThat(r.reason()).isEqualTo(Rejection.NON_FINITE_VALUE);
        assertThat(r.getMessage()).contains("return", "not finite as a float");
        assertThat(s.reason()).isEqualTo(Rejection.NON_FINITE_VALUE);
        assertThat(s.getMessage()).contains("TradingAgent: position_size", "not finite as a float");
    }

    @Test
    void rejectionCodesAreKebabCaseAndDistinct() {
        // given / when / then
        assertThat(Stream.of(Rejection.values()).map(r -> r.code))
                .allMatch(c -> c.matches("[a-z]+(-[a-z]+)*"))
                .doesNotHaveDuplicates()
                .contains("votes-missing", "votes-rejected", "duplicate", "unknown-action");
    }
}
