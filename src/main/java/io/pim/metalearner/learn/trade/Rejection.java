package io.pim.metalearner.learn.trade;

/**
 * Why an input was not trained on. The codes are stable: they appear in dead letters, metrics
 * labels and the {@code learn} summary, so dashboards and alerts can rely on them.
 */
public enum Rejection {
    /** Not JSON (or not a JSON object), or bytes that do not decode. */
    UNREADABLE("unreadable"),
    MISSING_FIELD("missing-field"),
    /** A field is present with the wrong JSON type, e.g. a price given as a string. */
    WRONG_TYPE("wrong-type"),
    NON_FINITE_PRICE("non-finite-price"),
    NON_POSITIVE_PRICE("non-positive-price"),
    CONFIDENCE_OUT_OF_RANGE("confidence-out-of-range"),
    /** A vote's confidence or position size is NaN or infinite. */
    NON_FINITE_VALUE("non-finite-value"),
    /** A vote's position size is below zero: the direction carries the side, the size only how much. */
    NEGATIVE_POSITION_SIZE("negative-position-size"),
    UNKNOWN_DIRECTION("unknown-direction"),
    /** The committee's action is none of BUY, LONG (long) and SELL, SHORT, SELL_SHORT (short). */
    UNKNOWN_ACTION("unknown-action"),
    /** A second outcome for a decision that was already trained on. */
    DUPLICATE("duplicate"),
    /** The stream: a trade whose votes did not arrive within the grace period. */
    VOTES_MISSING("votes-missing"),
    /** The stream: a trade whose votes were themselves rejected. */
    VOTES_REJECTED("votes-rejected");

    public final String code;

    Rejection(String code) {
        this.code = code;
    }

    @Override
    public String toString() {
        return code;
    }
}
