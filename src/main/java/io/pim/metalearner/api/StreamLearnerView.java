package io.pim.metalearner.api;

import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.race.ShadowRace;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
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

    private static final JsonMapper JSON = new JsonMapper();

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
        Optional<byte[]> state = state(modelId);
        if (state.isEmpty()) return Learner.create(service.config().learner()).score(votes);
        byte[] learnerBytes = learnerBytesOf(state.get());
        return LearnerCodec.decode(learnerBytes).score(votes, LearnerCodec.fingerprint(learnerBytes));
    }

    @Override
    public Map<String, Long> deadLetterCounts() {
        try {
            return service.counts().deadLettered();
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
            throw new Unavailable("the stream's counts are not queryable now (" + service.streams().state() + ")", e);
        }
    }

    /**
     * The learner and model-watch bytes of a model held by this instance, framed for {@link #decode}.
     * Empty if no running task here has it; {@link Unavailable} if the task of the model's
     * partition is on this instance but not running yet (restoring), rather than a wrong "unknown".
     */
    @Override
    public Optional<byte[]> localState(String modelId) {
        try {
            byte[] learner = store(LearningTopology.LEARNER_STORE).get(modelId);
            if (learner == null) {
                awaitedHere(modelId);
                return Optional.empty();
            }
            ModelMonitor stored = ModelMonitor.read(store(LearningTopology.MODEL_WATCH_STORE),
                    store(LearningTopology.MODEL_WATCH_PARTS_STORE), modelId, service.config().alerts());
            byte[] watch = stored == null ? null : stored.encode();
            byte[] race = store(LearningTopology.RACE_STORE).get(modelId);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(learner.length + 16 * 1024);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(learner.length);
                out.write(learner);
                out.writeInt(watch == null ? -1 : watch.length);
                if (watch != null) out.write(watch);
                // last, so an instance that frames no race is still read
                out.writeInt(race == null ? -1 : race.length);
                if (race != null) out.write(race);
            }
            return Optional.of(bytes.toByteArray());
        } catch (InvalidStateStoreException e) {
            throw restoring(modelId, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Throws {@link Unavailable} if this instance owns the model's partition but cannot query its task yet. */
    private void awaitedHere(String modelId) {
        KeyQueryMetadata owner = owner(modelId);
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE) || self.isEmpty()
                || !owner.activeHost().equals(self.get())) {
            return;
        }
        try {
            service.streams().store(StoreQueryParameters.fromNameAndType(LearningTopology.LEARNER_STORE,
                    QueryableStoreTypes.<String, byte[]>keyValueStore()).withPartition(owner.partition())).get(modelId);
        } catch (InvalidStateStoreException e) {
            throw restoring(modelId, e);
        }
    }

    private Unavailable restoring(String modelId, InvalidStateStoreException e) {
        return new Unavailable("model '" + modelId + "' is not queryable here now (" + service.streams().state()
                + ": its task is being assigned or restored)", e);
    }

    @Override
    public List<ModelEntry> localModels() {
        // while tasks move, the local store lists only what stayed here: a short list would be a wrong answer
        if (service.streams().state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING) {
            throw new Unavailable("this instance's models are being reassigned (" + service.streams().state() + ")", null);
        }
        String owner = self.map(h -> h.host() + ":" + h.port()).orElse("local");
        List<ModelEntry> models = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store(LearningTopology.LEARNER_STORE).all()) {
            it.forEachRemaining(kv -> models.add(new ModelEntry(kv.key, owner, LearnerCodec.decode(kv.value).step())));
        } catch (InvalidStateStoreException e) {
            throw new Unavailable("this instance's models are not queryable now (" + service.streams().state() + ")", e);
        }
        return models;
    }

    /** This instance's models and every other instance's ({@link ApiServer#MODELS_PATH}), sorted by model id. */
    @Override
    public List<ModelEntry> models() {
        List<ModelEntry> all = new ArrayList<>(localModels());
        for (HostInfo host : otherHosts()) {
            byte[] body = get(host, ApiServer.MODELS_PATH, "the model list").orElse(new byte[0]);
            try {
                for (JsonNode m : JSON.readTree(body).path("models")) {
                    all.add(new ModelEntry(m.path("model_id").asText(), m.path("owner").asText(),
                            m.path("training_step").asLong()));
                }
            } catch (IOException e) {
                throw new Unavailable("instance " + address(host) + " answered an unreadable model list", e);
            }
        }
        all.sort(Comparator.comparing(ModelEntry::modelId));
        return all;
    }

    /**
     * Routed to the instance whose task holds the model's partition. A candidate learns in its live
     * model's task, not in its own id's partition: when the owner has nothing, the others are asked.
     */
    private Optional<byte[]> state(String modelId) {
        KeyQueryMetadata owner = owner(modelId);
        if (self.isEmpty()) return localState(modelId); // a single instance without application.server
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw new Unavailable("no instance holds model '" + modelId + "' right now (" + service.streams().state()
                    + "): the tasks are being assigned", null);
        }
        Optional<byte[]> found = owner.activeHost().equals(self.get()) ? localState(modelId)
                : remoteState(owner.activeHost(), modelId);
        if (found.isPresent()) return found;
        if (!owner.activeHost().equals(self.get())) {
            found = localState(modelId);
            if (found.isPresent()) return found;
        }
        for (HostInfo host : otherHosts()) {
            if (host.equals(owner.activeHost())) continue;
            found = remoteState(host, modelId);
            if (found.isPresent()) return found;
        }
        return Optional.empty();
    }

    private KeyQueryMetadata owner(String modelId) {
        return service.streams().queryMetadataForKey(LearningTopology.LEARNER_STORE, modelId, Serdes.String().serializer());
    }

    /** The other instances of the group that host the learner store. */
    private List<HostInfo> otherHosts() {
        List<HostInfo> hosts = new ArrayList<>();
        if (self.isEmpty()) return hosts;
        for (StreamsMetadata m : service.streams().streamsMetadataForStore(LearningTopology.LEARNER_STORE)) {
            if (!m.hostInfo().equals(self.get()) && !hosts.contains(m.hostInfo())) hosts.add(m.hostInfo());
        }
        return hosts;
    }

    private Optional<byte[]> remoteState(HostInfo host, String modelId) {
        return get(host, ApiServer.STATE_PATH + "?model_id=" + URLEncoder.encode(modelId, StandardCharsets.UTF_8),
                "model '" + modelId + "'");
    }

    private static String address(HostInfo host) {
        return host.host() + ":" + host.port();
    }

    /** GET of an internal path on another instance: its body, empty on 404, {@link Unavailable} otherwise. */
    private Optional<byte[]> get(HostInfo host, String pathAndQuery, String what) {
        URI uri = URI.create("http://" + address(host) + pathAndQuery);
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
            if (token != null) request.header("Authorization", token.header());
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return switch (response.statusCode()) {
                case 200 -> Optional.of(response.body());
                case 404 -> Optional.empty();
                case 401 -> throw new Unavailable("instance " + address(host) + " refused this instance's token for " + what
                        + ": the instances must share http.admin-token", null);
                default -> throw new Unavailable("instance " + address(host) + " answered " + response.statusCode() + " for " + what, null);
            };
        } catch (IOException e) {
            // a refused connection has no message: name the exception, so the answer says what happened
            String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            throw new Unavailable("instance " + address(host) + " holding " + what + " is unreachable (" + why + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted", e);
        }
    }

    /** The learner's state bytes in a framed answer of {@link #localState}. */
    private static byte[] learnerBytesOf(byte[] framed) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(framed))) {
            return in.readNBytes(in.readInt());
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
            int raceLength = in.available() >= 4 ? in.readInt() : -1;
            LearnerView.Race race = raceLength < 0 ? null : Statuses.race(
                    ShadowRace.decode(in.readNBytes(raceLength), service.config().raceWindow()),
                    service.config().promotion(), watch.alerts());
            return Statuses.of(modelId, learner, watch.curve(), watch.alerts(), watch.scores(), race, watch.figures());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ReadOnlyKeyValueStore<String, byte[]> store(String name) {
        KafkaStreams streams = service.streams();
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, byte[]>keyValueStore()));
    }
}
