package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.pim.metalearner.api.FeedbackGateway.AlreadyTrained;
import io.pim.metalearner.api.FeedbackGateway.Outcome;
import io.pim.metalearner.api.FeedbackGateway.Rejected;
import io.pim.metalearner.api.FeedbackGateway.Trained;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Which of the stream's records answers a waiting feedback request, and how requests of one decision share a wait. */
class PendingAnswersTest {

    private final PendingAnswers pending = new PendingAnswers(Duration.ofSeconds(30));

    private static Trained update(String modelId, long step) {
        return new Trained(modelId, step, 0.01, 0.05, 0.0016, Map.of("TradingAgent", 1.02));
    }

    @Test
    void aCandidatesUpdateForTheSameDecisionDoesNotAnswerTheLiveModelsRequest() {
        // given a request for the default model's decision d-1
        CompletableFuture<Outcome> answer = pending.await("d-1", "default", 1_000).answer();

        // when the candidate learning beside it emits its update for d-1 first, then the live model
        pending.trained("d-1", 1_005, update("candidate", 3));
        assertThat(answer).isNotDone();
        pending.trained("d-1", 1_005, update("default", 120));

        // then the answer is the live model's
        assertThat(answer.join()).isEqualTo(update("default", 120));
    }

    @Test
    void aBodyNamingItsModelIsAnsweredByThatModelsUpdate() {
        CompletableFuture<Outcome> answer = pending.await("d-2", "committee-b", 1_000).answer();

        pending.trained("d-2", 1_005, update("default", 121));
        pending.trained("d-2", 1_005, update("committee-b", 7));

        assertThat(answer.join()).isEqualTo(update("committee-b", 7));
    }

    @Test
    void aDeadLetteredCloseAnswersWhateverModelTheRequestIsFor() {
        CompletableFuture<Outcome> answer = pending.await("d-3", "committee-b", 1_000).answer();

        pending.refused("d-3", 1_005, new AlreadyTrained("d-3"));

        assertThat(answer.join()).isEqualTo(new AlreadyTrained("d-3"));
    }

    @Test
    void recordsMadeBeforeTheRequestDoNotAnswerIt() {
        CompletableFuture<Outcome> answer = pending.await("d-4", "default", 1_000).answer();

        pending.trained("d-4", 999, update("default", 50));
        pending.refused("d-4", 999, new Rejected("votes-missing", ""));

        assertThat(answer).isNotDone();
    }

    @Test
    void aSecondRequestOfADecisionInFlightSharesTheFirstsAnswerAndIsNotPublished() {
        // given a request in flight
        PendingAnswers.Wait first = pending.await("d-5", "default", 1_000);
        // when the same decision comes again before the stream answered
        PendingAnswers.Wait second = pending.await("d-5", "default", 1_010);

        // then only the first publishes, and a dead letter of the first's close answers both alike
        assertThat(first.first()).isTrue();
        assertThat(second.first()).isFalse();
        CompletableFuture<Outcome> a = first.answer(), b = second.answer();
        pending.refused("d-5", 1_020, new Rejected("votes-missing", "no votes within the grace"));
        assertThat(a.join()).isEqualTo(b.join()).isEqualTo(new Rejected("votes-missing", "no votes within the grace"));
        // and once answered, the decision is published anew (the stream then says it is a duplicate, or trains it)
        assertThat(pending.await("d-5", "default", 1_030).first()).isTrue();
    }

    @Test
    void oneCallersTimeoutDoesNotEndTheOthersWait() {
        PendingAnswers.Wait first = pending.await("d-6", "default", 1_000);
        CompletableFuture<Outcome> impatient = first.answer().completeOnTimeout(null, 1, TimeUnit.MILLISECONDS);
        CompletableFuture<Outcome> patient = pending.await("d-6", "default", 1_010).answer();

        impatient.join();
        pending.trained("d-6", 1_020, update("default", 122));

        assertThat(patient.join()).isEqualTo(update("default", 122));
    }

    @Test
    void aWaitIsForgottenAfterTheMaximumWait() throws Exception {
        PendingAnswers brief = new PendingAnswers(Duration.ofMillis(20));
        CompletableFuture<Outcome> answer = brief.await("d-7", "default", 1_000).answer();

        try {
            answer.get(60, TimeUnit.SECONDS); // a bound only: the 20 ms wait ends it long before
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(TimeoutException.class);
        }
        assertThat(answer).isCompletedExceptionally();
        assertThat(brief.await("d-7", "default", 2_000).first()).isTrue();
    }
}
