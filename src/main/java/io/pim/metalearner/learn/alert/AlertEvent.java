package io.pim.metalearner.learn.alert;

/**
 * A transition of one alert: raised when its condition starts, cleared when it ends. Exactly one
 * event per transition, never one per step. While raised, the raising event is the active alert.
 *
 * @param value     the measured value that made the transition (loss ratio, R², weight spread,
 *                  Page-Hinkley statistic; NaN for a failed checkpoint)
 * @param threshold the threshold it was compared with
 */
public record AlertEvent(AlertType type, State state, long trainingStep, double value, double threshold,
                         String message) {

    public enum State { RAISED, CLEARED }

    public boolean raised() {
        return state == State.RAISED;
    }
}
