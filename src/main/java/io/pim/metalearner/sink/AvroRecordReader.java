package io.pim.metalearner.sink;

import io.pim.metalearner.stream.AvroLimits;
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
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads Confluent-framed Avro values (0x00, 4-byte content id, Avro binary) into the generated
 * classes, with one resolving reader per (writer schema, expected class) kept for good. The
 * writer's schema is fetched once per content id from Apicurio. This is the writer's hot path:
 * building a resolving reader per record, as a general-purpose deserializer may, costs more
 * than writing the row.
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
    private final Map<Integer, Schema> writerSchemas = new HashMap<>();
    private final Map<Schema, Map<Class<?>, SpecificDatumReader<?>>> readers = new HashMap<>();
    private BinaryDecoder decoder;

    AvroRecordReader(String registryApiUrl) {
        AvroLimits.apply(); // a damaged length must not allocate gigabytes here either
        this.registryApiUrl = registryApiUrl.endsWith("/") ? registryApiUrl.substring(0, registryApiUrl.length() - 1) : registryApiUrl;
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
        if (status >= 500 || status == 429) {
            throw new Unavailable("the schema registry at " + registryApiUrl,
                    new IOException("HTTP " + status + " for content id " + contentId));
        }
        if (status != 200) {
            throw new IllegalStateException("The schema registry at " + registryApiUrl + " answered HTTP " + status
                    + " for content id " + contentId + "; check registry.url and the registry's access rules");
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(response.body());
        } catch (RuntimeException e) {
            throw new Unusable("unreadable", "content id " + contentId + " is not an Avro schema");
        }
        writerSchemas.put(contentId, schema);
        return schema;
    }

    private HttpResponse<String> get(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(registryApiUrl + path)).timeout(Duration.ofSeconds(10)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Unavailable("the schema registry at " + registryApiUrl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted asking the schema registry for " + path, e);
        }
    }
}
