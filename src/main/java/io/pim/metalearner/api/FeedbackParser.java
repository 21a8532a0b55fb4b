package io.pim.metalearner.api;

import io.pim.metalearner.api.FeedbackGateway.Feedback;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.trade.InvalidTradeException;

/**
 * Checks the seed's feedback body with the learner's own parser ({@link FeedbackJson}), so the HTTP
 * path refuses exactly what the offline {@code learn} command and the stream would dead-letter,
 * before anything is published. Unknown fields are ignored.
 */
final class FeedbackParser {

    /** @throws InvalidTradeException for a body that must not be published */
    Feedback parse(String body) {
        return new Feedback(FeedbackJson.parse(body), body);
    }
}
