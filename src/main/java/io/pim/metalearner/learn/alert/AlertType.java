package io.pim.metalearner.learn.alert;

import java.util.Locale;

/** What can go wrong with the learning; {@link #id()} is the machine-readable name on the alerts topic. */
public enum AlertType {
    /** The mean loss of the last window is well above the mean of the window before. */
    LOSS_RISING,
    /** Rolling R² of predicted vs realized return stays low once enough trades were seen. */
    LOW_R2,
    /** All agents' weights are (nearly) the same value: the committee no longer differentiates. */
    WEIGHTS_COLLAPSED,
    /** Writing a checkpoint failed; raised and cleared by the caller that writes checkpoints. */
    CHECKPOINT_FAILED,
    /** Page-Hinkley detected an increase in the mean of the loss stream. */
    LOSS_DRIFT,
    /** A shadow candidate beats the live model significantly (raised and cleared by the candidate race). */
    CANDIDATE_BETTER,
    /**
     * The learner's divergence guard stopped it (non-finite parameters, or a prediction far beyond
     * any return seen): it abstains until it is replaced, and a diverged candidate is never promoted.
     */
    DIVERGED;

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
