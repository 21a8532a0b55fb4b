package io.pim.metalearner.api;

import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.CommandType;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin endpoints' HTTP contract: off without a token, 401 without the right bearer token,
 * and a request turned into exactly the command the CLI sends. The command round trip itself runs on
 * a real broker in {@code ModelCommandsIT}; here the sender records and answers.
 */
class AdminRoutesTest {
    private static final String TOKEN = "s3cret-admin-token-0123";
    private final List<Command> sent = new CopyOnWriteArrayList<>();

    private ApiServer server(String token) {
        AdminRoutes.Sender sender = command -> {
            sent.add(command);
            boolean known = !command.getModelId().equals("nobody");
            return CommandResult.newBuilder().setCommandId(command.getCommandId()).setModelId(command.getModelId())
                    .setType(command.getType().name().toLowerCase()).setApplied(known)
                    .setReason(known ? "" : "unknown-model").setTrainingStep(known ? 30 : -1)
                    .setFingerprint(known ? "f" : "").setTimestamp(Instant.now()).build();
        };
        return new ApiServer(new ApiConfig(0, "default", 10, Duration.ofSeconds(1), token),
                ApiServerTest.VIEW, ApiServerTest.GATEWAY, () -> "", sender).start();
    }

    private static HttpResponse<String> post(ApiServer server, String path, String auth) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (auth != null) request.header("Authorization", auth);
        return ApiServerTest.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withoutAConfiguredTokenTheAdminEndpointsDoNotExist() throws Exception {
        try (ApiServer server = server(null)) {
            assertThat(post(server, "/api/pim/metalearner/admin/reset?model_id=m", "Bearer anything").statusCode()).isEqualTo(404);
        }
        assertThat(sent).isEmpty();
    }

    @Test
    void aWrongOrMissingTokenIsUnauthorizedAndSendsNothing() throws Exception {
        try (ApiServer server = server(TOKEN)) {
            assertThat(post(server, "/api/pim/metalearner/admin/reset?model_id=m", null).statusCode()).isEqualTo(401);
            assertThat(post(server, "/api/pim/metalearner/admin/reset?model_id=m", "Bearer wrong").statusCode()).isEqualTo(401);
        }
        assertThat(sent).isEmpty();
    }

    @Test
    void theInstancesStatePathWantsTheTokenOnceOneIsConfigured() throws Exception {
        String path = ApiServer.STATE_PATH + "?model_id=default";
        try (ApiServer open = server(null); ApiServer guarded = server(TOKEN)) {
            // the view here holds no state: 404 is "let in, nothing held"
            assertThat(get(open, path, null).statusCode()).isEqualTo(404);
            assertThat(get(guarded, path, null).statusCode()).isEqualTo(401);
            assertThat(get(guarded, path, "Bearer wrong").statusCode()).isEqualTo(401);
            assertThat(get(guarded, path, "Bearer " + TOKEN).statusCode()).isEqualTo(404);
        }
    }

    private static HttpResponse<String> get(ApiServer server, String path, String auth) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path));
        if (auth != null) request.header("Authorization", auth);
        return ApiServerTest.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rollbackWithTheTokenSendsTheCommandAndAnswersItsResult() throws Exception {
        try (ApiServer server = server(TOKEN)) {
            // when
            HttpResponse<String> ok = post(server, "/api/pim/metalearner/admin/rollback?model_id=m&to_step=35", "Bearer " + TOKEN);
            HttpResponse<String> rejected = post(server, "/api/pim/metalearner/admin/reset?model_id=nobody", "Bearer " + TOKEN);
            HttpResponse<String> bad = post(server, "/api/pim/metalearner/admin/rollback?model_id=m", "Bearer " + TOKEN);

            // then
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ApiServerTest.JSON.readTree(ok.body()).get("training_step").asLong()).isEqualTo(30);
            assertThat(rejected.statusCode()).isEqualTo(422);
            assertThat(ApiServerTest.JSON.readTree(rejected.body()).get("error").asText()).isEqualTo("unknown-model");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(sent).extracting(Command::getType).containsExactly(CommandType.ROLLBACK, CommandType.RESET);
            assertThat(sent.get(0).getToStep()).isEqualTo(35L);
        }
    }
}
