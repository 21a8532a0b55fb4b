package io.pim.metalearner.api;

import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.Vote;
import io.pim.metalearner.learn.VoteScore;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.stream.LearningTopology;
import io.pim.metalearner.stream.ModelMonitor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The learner as the stream holds it, read with Kafka Streams interactive queries. A model is
 * held by the one instance running its training task; when that is another instance (found via
 * {@code application.server}), its stored bytes are fetched from that instance's
 * {@link ApiServer#STATE_PATH} and decoded here, so every instance answers for every model.
 */
public final class StreamLearnerView implements LearnerView {

    private final LearningService service;
    private final Optional<HostInfo> self;
    private final BearerToken token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** @param adminToken the instances' {@code http.admin-token}, sent to fetch a state from another instance; null if none */
    public StreamLearnerView(LearningService service, String adminToken) {
        this.service = service;
        this.token = adminToken == null ? null : new BearerToken(adminToken);
        Object server = service.config().streamsOverrides().get(StreamsConfig.APPLICATION_SERVER_CONFIG);
        this.self = server == null || server.toString().isBlank() ? Optional.empty()
                : Optional.of(HostInfo.buildFromEndpoint(server.toString()));
    }

    @Override
    public Optional<Status> status(String modelId) {
        return state(modelId).map(bytes -> decode(modelId, bytes));
    }

    /**
     * Decodes the model's stored learner (here or fetched from its instance) and scores with that
     * copy, so a request never touches the stream's learner and needs no Kafka round trip.
     */
    @Override
    public VoteScore score(String modelId, Map<String, Vote> votes) {
        Learner learner = state(modelId).map(StreamLearnerView::learnerOf)
                .orElseGet(() -> Learner.create(service.config().learner()));
        return learner.score(votes);
    }

    @Override
    public Map<String, Long> deadLetterCounts() {
        try {
            return service.counts().deadLettered();
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
            throw new Unavailable("the stream's counts are not queryable now (" + service.streams().state() + ")", e);
        }
    }

    /** The learner and model-watch bytes of a model held by this instance, framed for {@link #decode}. */
    @Override
    public Optional<byte[]> localState(String modelId) {
        try {
            byte[] learner = store(LearningTopology.LEARNER_STORE).get(modelId);
            if (learner == null) return Optional.empty();
            byte[] watch = store(LearningTopology.MODEL_WATCH_STORE).get(modelId);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(learner.length + 16 * 1024);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(learner.length);
                out.write(learner);
                out.writeInt(watch == null ? -1 : watch.length);
                if (watch != null) out.write(watch);
            }
            return Optional.of(bytes.toByteArray());
        } catch (InvalidStateStoreException e) {
            throw new Unavailable("model '" + modelId + "' is not queryable here now (" + service.streams().state() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<byte[]> state(String modelId) {
        KeyQueryMetadata owner = service.streams().queryMetadataForKey(LearningTopology.LEARNER_STORE, modelId,
                Serdes.String().serializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE) || self.isEmpty()
                || owner.activeHost().equals(self.get())) {
            return localState(modelId);
        }
        return remoteState(owner.activeHost(), modelId);
    }

    private Optional<byte[]> remoteState(HostInfo host, String modelId) {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + ApiServer.STATE_PATH
                + "?model_id=" + URLEncoder.encode(modelId, StandardCharsets.UTF_8));
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
            if (token != null) request.header("Authorization", token.header());
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return switch (response.statusCode()) {
                case 200 -> Optional.of(response.body());
                case 404 -> Optional.empty();
                case 401 -> throw new Unavailable("instance " + host + " refused this instance's token for model '" + modelId
                        + "': the instances must share http.admin-token", null);
                default -> throw new Unavailable("instance " + host + " answered " + response.statusCode() + " for model '" + modelId + "'", null);
            };
        } catch (IOException e) {
            throw new Unavailable("instance " + host + " holding model '" + modelId + "' is unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted", e);
        }
    }

    private static Learner learnerOf(byte[] framed) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(framed))) {
            return LearnerCodec.decode(in.readNBytes(in.readInt()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Status decode(String modelId, byte[] framed) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(framed))) {
            byte[] learnerBytes = in.readNBytes(in.readInt());
            int watchLength = in.readInt();
            Learner learner = LearnerCodec.decode(learnerBytes);
            ModelMonitor watch = watchLength < 0 ? ModelMonitor.fresh(service.config().alerts())
                    : ModelMonitor.decode(in.readNBytes(watchLength), service.config().alerts());
            return Statuses.of(modelId, learner, watch.curve(), watch.alerts(), watch.scores());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ReadOnlyKeyValueStore<String, byte[]> store(String name) {
        KafkaStreams streams = service.streams();
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, byte[]>keyValueStore()));
    }
}
