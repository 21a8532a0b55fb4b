package io.pim.metalearner.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.config.RegistryClientConfig;
import io.pim.metalearner.kafka.AvroLimits;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads Confluent-framed Avro values (0x00, 4-byte content id, Avro binary) into the generated
 * classes, with one resolving reader per (writer schema, expected class) kept for good. The
 * writer's schema is fetched once per content id from Apicurio. This is the writer's hot path:
 * building a resolving reader per record, as a general-purpose deserializer may, costs more
 * than writing the row.
 * <p>
 * A schema with a nested named type (the {@code CommandType} enum of {@code Command}) is stored by
 * the serializer as a reference to another artifact; those are fetched and parsed first.
 */
final class AvroRecordReader {
    /** A value that cannot become the expected record; {@link #reason} is the dead-letter reason. */
    static final class Unusable extends Exception {
        final String reason;

        Unusable(String reason, String detail) {
            super(detail);
            this.reason = reason;
        }
    }

    private final String registryApiUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final RegistryAuthorization authorization;
    private final Map<Integer, Schema> writerSchemas = new HashMap<>();
    private final Map<Schema, Map<Class<?>, SpecificDatumReader<?>>> readers = new HashMap<>();
    private final ObjectMapper json = new ObjectMapper();
    private BinaryDecoder decoder;

    AvroRecordReader(RegistryClientConfig registry) {
        AvroLimits.apply(); // a damaged length must not allocate gigabytes here either
        String url = registry.url();
        this.registryApiUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.authorization = new RegistryAuthorization(registry, http);
    }

    <T extends SpecificRecord> T read(byte[] value, Class<T> expected) throws Unusable {
        if (value == null) throw new Unusable("unreadable", "null value (tombstone)");
        if (value.length < 5 || value[0] != 0) throw new Unusable("unreadable", "not Confluent-framed Avro (magic byte 0x00 and a 4-byte id)");
        Schema writer = writerSchema(ByteBuffer.wrap(value, 1, 4).getInt());
        Schema reader = SpecificData.get().getSchema(expected);
        if (!writer.getFullName().equals(reader.getFullName())) {
            throw new Unusable("wrong-type", writer.getName() + " where " + reader.getName() + " belongs");
        }
        @SuppressWarnings("unchecked")
        SpecificDatumReader<T> datumReader = (SpecificDatumReader<T>) readers
                .computeIfAbsent(writer, w -> new HashMap<>())
                .computeIfAbsent(expected, c -> new SpecificDatumReader<>(writer, reader));
        try {
            decoder = DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, decoder);
            return datumReader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new Unusable("unreadable", "Avro decoding failed: " + e);
        }
    }

    /**
     * The writer's schema for a content id, fetched once. The registry being away (no answer, a
     * 5xx or 429) is not the record's fault: {@link Unavailable}, the batch is tried again later.
     * A content id the registry does not know (404) is the record's: it is dead-lettered. Any
     * other answer (401, 403, ...) is a configuration to fix: the writer stops.
     */
    private Schema writerSchema(int contentId) throws Unusable {
        Schema known = writerSchemas.get(contentId);
        if (known != null) return known;
        HttpResponse<String> response = get("/ids/contentIds/" + contentId);
        int status = response.statusCode();
        if (status == 404) {
            // a wrong registry.url answers 404 to everything: that must stop the writer, not dead-letter every record
            int info = get("/system/info").statusCode();
            if (info != 200) {
                throw new IllegalStateException("registry.url " + registryApiUrl + " does not answer as Apicurio's API "
                        + "(GET /system/info: HTTP " + info + "); check registry.url, e.g. http://host:8080/apis/registry/v3");
            }
            throw new Unusable("unknown-schema", "the schema registry at " + registryApiUrl + " does not know content id " + contentId);
        }
        checkAnswer(response, "content id " + contentId);
        Schema.Parser parser = new Schema.Parser();
        Schema schema;
        try {
            parseReferences(parser, "/ids/contentIds/" + contentId + "/references", new HashSet<>());
            schema = parser.parse(response.body());
        } catch (RuntimeException | IOException e) {
            throw new Unusable("unreadable", "content id " + contentId + " is not an Avro schema (" + e.getMessage() + ")");
        }
        writerSchemas.put(contentId, schema);
        return schema;
    }

    /** Parses the schemas a schema refers to (theirs first), each artifact version once. */
    private void parseReferences(Schema.Parser parser, String referencesPath, Set<String> parsed) throws Unusable, IOException {
        HttpResponse<String> references = get(referencesPath);
        checkAnswer(references, referencesPath);
        for (JsonNode reference : json.readTree(references.body())) {
            String group = reference.path("groupId").isTextual() ? reference.get("groupId").asText() : "default";
            String version = "/groups/" + encode(group) + "/artifacts/" + encode(reference.path("artifactId").asText())
                    + "/versions/" + encode(reference.path("version").asText());
            if (!parsed.add(version)) continue;
            parseReferences(parser, version + "/references", parsed);
            HttpResponse<String> content = get(version + "/content");
            if (content.statusCode() == 404) {
                throw new Unusable("unknown-schema", "the schema registry at " + registryApiUrl + " does not know " + version);
            }
            checkAnswer(content, version);
            parser.parse(content.body());
        }
    }

    /** Away (5xx, 429): {@link Unavailable}, tried again later; any other answer but 200: the writer stops. */
    private void checkAnswer(HttpResponse<String> response, String what) {
        int status = response.statusCode();
        if (status >= 500 || status == 429) {
            throw new Unavailable("the schema registry at " + registryApiUrl, new IOException("HTTP " + status + " for " + what));
        }
        if (status != 200) {
            throw new IllegalStateException("The schema registry at " + registryApiUrl + " answered HTTP " + status
                    + " for " + what + "; check registry.url, the registry.auth.* keys and the registry's access rules");
        }
    }

    private static String encode(String pathPart) {
        return URLEncoder.encode(pathPart, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpResponse<String> get(String path) {
        HttpResponse<String> response = send(path);
        // a refused token may have been revoked before its expiry: one more try with a fresh one
        if (response.statusCode() == 401 && authorization.forgetToken()) response = send(path);
        return response;
    }

    private HttpResponse<String> send(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registryApiUrl + path)).timeout(Duration.ofSeconds(10));
        authorization.header().ifPresent(header -> request.header("Authorization", header));
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Unavailable("the schema registry at " + registryApiUrl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted asking the schema registry for " + path, e);
        }
    }
}
