package io.pim.metalearner.learn.trade;

/** An input that cannot be trained on, with its {@link Rejection} code and a human-readable detail. */
public final class InvalidTradeException extends RuntimeException {
    private final Rejection reason;

    public InvalidTradeException(Rejection reason, String detail) {
        // No stack trace: bad input is an expected outcome, counted and reported, not a bug.
        super(detail, null, false, false);
        this.reason = reason;
    }

    public Rejection reason() {
        return reason;
    }
}
