/*
 * The reference side of the transforms compatibility test: runs a connector
 * config's transforms and predicates chain in Apache Kafka Connect's own
 * classes (connect-transforms, connect-json, Debezium's SMTs) the way a sink
 * task of a Kafka Connect worker does, on records given as JSON lines, and
 * prints each result as a JSON line. `sluice transform -c` reads and prints
 * the same lines, so the two outputs can be compared line by line.
 *
 *   java -cp CLASSPATH TransformRef CONNECTOR.properties < in.jsonl > out.jsonl
 *   java -cp CLASSPATH TransformRef --cases CASES_DIR OUT_DIR [NAME...]
 *
 * The second form runs every CASES_DIR/<name>.properties on
 * CASES_DIR/<name>.jsonl into OUT_DIR/<name>.out in one JVM (the names given,
 * or all); a config that is refused writes OUT_DIR/<name>.refused with the
 * reason instead.
 *
 * Input line:
 *   {"topic":"t","partition":0,"offset":0,"timestamp":1700000000000,
 *    "key":"<bytes as text>"|null,"value":"<bytes as text>"|null,
 *    "headers":[{"key":"h","value":"<bytes as text>"|null}]}
 * A header the chain left as it was (the same Header object) is written
 * with its input bytes; one a transform made (InsertHeader, HeaderFrom) is
 * written by the header converter, as a source task's worker writes it.
 * (The header converter's parse and write is not the identity: "1.50"
 * comes back as "1.5", so a header no transform touched would otherwise
 * change on the way, which no Kafka Connect worker does to a record: a sink
 * task never writes headers back, a source task has no input bytes.)
 * Output line (compact, keys in this order):
 *   {"topic":...,"partition":...,"timestamp":...,"key":...,"value":...,"headers":[...]}
 *   or {"dropped":true} or {"error":"<exception message>"}
 *
 * Exit status: 0 when the chain was built (whatever the records gave), 2
 * when the config was refused (the reason on stderr), 1 on bad input.
 */
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

public final class TransformRef {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

    /** A config the worker would refuse. */
    static final class Refused extends Exception {
        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One stage of the chain: a transformation and its optional predicate. */
    static final class Stage {
        final String alias;
        final Transformation<SinkRecord> transformation;
        final Predicate<SinkRecord> predicate;
        final boolean negate;

        Stage(String alias, Transformation<SinkRecord> t, Predicate<SinkRecord> p, boolean negate) {
            this.alias = alias;
            this.transformation = t;
            this.predicate = p;
            this.negate = negate;
        }

        /* As Kafka Connect's TransformationStage: the transformation runs
         * unless a predicate is set and its test (xor negate) is false. */
        SinkRecord apply(SinkRecord r) {
            if (predicate == null || (predicate.test(r) ^ negate))
                return transformation.apply(r);
            return r;
        }
    }

    /** The converters and the chain built from one connector config. */
    static final class Chain implements AutoCloseable {
        Converter keyConverter;
        Converter valueConverter;
        HeaderConverter headerConverter;
        final List<Stage> stages = new ArrayList<>();
        final List<AutoCloseable> closeables = new ArrayList<>();

        @Override
        public void close() {
            for (AutoCloseable c : closeables) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing a reference chain cannot change its results
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("--cases")) {
            System.exit(runCases(Paths.get(args[1]), Paths.get(args[2]), args));
        }
        if (args.length != 1) {
            System.err.println("usage: TransformRef CONNECTOR.properties < in.jsonl > out.jsonl");
            System.err.println("       TransformRef --cases CASES_DIR OUT_DIR [NAME...]");
            System.exit(1);
        }
        Chain chain;
        try {
            chain = build(load(Paths.get(args[0])));
        } catch (Refused e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Reader in = new InputStreamReader(System.in, StandardCharsets.UTF_8);
        Writer out = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
        try (chain) {
            run(chain, new BufferedReader(in), new PrintWriter(out));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }

    /* Every case of a directory (or those named) in one JVM. */
    static int runCases(Path dir, Path outDir, String[] args) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        for (int i = 3; i < args.length; i++)
            names.add(args[i]);
        if (names.isEmpty()) {
            try (var files = Files.list(dir)) {
                files.map(p -> p.getFileName().toString())
                        .filter(n -> n.endsWith(".properties"))
                        .forEach(n -> names.add(n.substring(0, n.length() - ".properties".length())));
            }
        }
        Files.createDirectories(outDir);
        int rc = 0;
        for (String name : names) {
            Path out = outDir.resolve(name + ".out");
            Path refused = outDir.resolve(name + ".refused");
            Files.deleteIfExists(out);
            Files.deleteIfExists(refused);
            try (Chain chain = build(load(dir.resolve(name + ".properties")));
                 BufferedReader in = Files.newBufferedReader(dir.resolve(name + ".jsonl"), StandardCharsets.UTF_8);
                 PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
                run(chain, in, w);
            } catch (Refused e) {
                Files.deleteIfExists(out);
                Files.writeString(refused, e.getMessage() + "\n", StandardCharsets.UTF_8);
            } catch (IllegalArgumentException | IOException e) {
                System.err.println(name + ": " + e.getMessage());
                rc = 1;
            }
        }
        return rc;
    }

    /* The connector file as Kafka Connect reads a .properties file. */
    static Map<String, String> load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> m = new HashMap<>();
        for (String k : p.stringPropertyNames())
            m.put(k, p.getProperty(k));
        return m;
    }

    /* The keys under prefix, prefix stripped (AbstractConfig.originalsWithPrefix). */
    static Map<String, Object> withPrefix(Map<String, String> cfg, String prefix) {
        Map<String, Object> m = new HashMap<>();
        for (Map.Entry<String, String> e : cfg.entrySet()) {
            if (e.getKey().startsWith(prefix))
                m.put(e.getKey().substring(prefix.length()), e.getValue());
        }
        return m;
    }

    /* sluice's short converter names, so a case may use either spelling. */
    static String converterClass(String name) {
        switch (name) {
        case "json":
            return JSON_CONVERTER;
        case "string":
            return "org.apache.kafka.connect.storage.StringConverter";
        case "bytes":
            return "org.apache.kafka.connect.converters.ByteArrayConverter";
        default:
            return name;
        }
    }

    static Object instance(String className, String key) throws Refused {
        try {
            return Class.forName(className.trim()).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new Refused(key + ": class " + className + " could not be found or made: " + e, e);
        }
    }

    /* A key or value converter as the worker configures it: the keys under
     * key.converter. / value.converter. and converter.type. */
    static Converter converter(Map<String, String> cfg, String which, Chain chain) throws Refused {
        String cls = converterClass(cfg.getOrDefault(which + ".converter", JSON_CONVERTER));
        Object o = instance(cls, which + ".converter");
        if (!(o instanceof Converter))
            throw new Refused(which + ".converter: " + cls + " is not a Converter", null);
        Converter c = (Converter) o;
        Map<String, Object> conf = withPrefix(cfg, which + ".converter.");
        conf.put("converter.type", which);
        try {
            c.configure(conf, which.equals("key"));
        } catch (RuntimeException e) {
            throw new Refused(which + ".converter: " + e.getMessage(), e);
        }
        if (c instanceof AutoCloseable)
            chain.closeables.add((AutoCloseable) c);
        return c;
    }

    static HeaderConverter headerConverter(Map<String, String> cfg, Chain chain) throws Refused {
        String cls = cfg.getOrDefault("header.converter", "org.apache.kafka.connect.storage.SimpleHeaderConverter");
        Object o = instance(cls, "header.converter");
        if (!(o instanceof HeaderConverter))
            throw new Refused("header.converter: " + cls + " is not a HeaderConverter", null);
        HeaderConverter c = (HeaderConverter) o;
        Map<String, Object> conf = withPrefix(cfg, "header.converter.");
        conf.put("converter.type", "header");
        try {
            c.configure(conf);
        } catch (RuntimeException e) {
            throw new Refused("header.converter: " + e.getMessage(), e);
        }
        chain.closeables.add(c);
        return c;
    }

    /* The chain as ConnectorConfig.transformationStages builds it: each
     * transformation gets its keys without "predicate" and "negate"; a
     * predicate gets every key under predicates.<alias>. */
    @SuppressWarnings("unchecked")
    static Chain build(Map<String, String> cfg) throws Refused {
        Chain chain = new Chain();
        try {
            chain.keyConverter = converter(cfg, "key", chain);
            chain.valueConverter = converter(cfg, "value", chain);
            chain.headerConverter = headerConverter(cfg, chain);
            List<String> aliases = aliases(cfg, "transforms");
            List<String> predicateAliases = aliases(cfg, "predicates");
            for (String alias : aliases) {
                String prefix = "transforms." + alias + ".";
                String type = cfg.get(prefix + "type");
                if (type == null)
                    throw new Refused(prefix + "type: missing", null);
                Object t = instance(type, prefix + "type");
                if (!(t instanceof Transformation))
                    throw new Refused(prefix + "type: " + type + " is not a Transformation", null);
                Transformation<SinkRecord> transformation = (Transformation<SinkRecord>) t;
                Map<String, Object> conf = withPrefix(cfg, prefix);
                Object predicateAlias = conf.remove("predicate");
                Object negate = conf.remove("negate");
                configure(() -> transformation.configure(conf), prefix);
                chain.closeables.add(transformation);
                Predicate<SinkRecord> predicate = null;
                if (predicateAlias != null) {
                    if (!predicateAliases.contains(predicateAlias.toString().trim()))
                        throw new Refused(prefix + "predicate: " + predicateAlias
                                + " is not one of the aliases listed in predicates", null);
                    predicate = predicate(cfg, predicateAlias.toString().trim(), chain);
                }
                boolean neg = negate != null && Boolean.parseBoolean(negate.toString());
                chain.stages.add(new Stage(alias, transformation, predicate, neg));
            }
        } catch (Refused e) {
            chain.close();
            throw e;
        } catch (RuntimeException e) {
            chain.close();
            throw new Refused(e.getMessage(), e);
        }
        return chain;
    }

    /* A list of aliases (transforms, predicates) as ConnectorConfig reads
     * it: comma separated, trimmed, no alias twice. */
    @SuppressWarnings("unchecked")
    static List<String> aliases(Map<String, String> cfg, String key) throws Refused {
        List<String> list = (List<String>) ConfigDef.parseType(key, cfg.getOrDefault(key, ""), ConfigDef.Type.LIST);
        if (new java.util.HashSet<>(list).size() != list.size())
            throw new Refused(key + ": Duplicate alias provided.", null);
        return list;
    }

    @SuppressWarnings("unchecked")
    static Predicate<SinkRecord> predicate(Map<String, String> cfg, String alias, Chain chain) throws Refused {
        String prefix = "predicates." + alias + ".";
        String type = cfg.get(prefix + "type");
        if (type == null)
            throw new Refused(prefix + "type: missing (predicate " + alias + " is not defined)", null);
        Object p = instance(type, prefix + "type");
        if (!(p instanceof Predicate))
            throw new Refused(prefix + "type: " + type + " is not a Predicate", null);
        Predicate<SinkRecord> predicate = (Predicate<SinkRecord>) p;
        configure(() -> predicate.configure(withPrefix(cfg, prefix)), prefix);
        chain.closeables.add(predicate);
        return predicate;
    }

    /* Runs a configure call; what it throws names the alias's prefix. */
    static void configure(Runnable configure, String prefix) throws Refused {
        try {
            configure.run();
        } catch (RuntimeException e) {
            throw new Refused(prefix.substring(0, prefix.length() - 1) + ": " + e.getMessage(), e);
        }
    }

    /* Reads records, writes results, one line each. */
    static void run(Chain chain, BufferedReader in, PrintWriter out) throws IOException {
        String line;
        int n = 0;
        while ((line = in.readLine()) != null) {
            n++;
            if (line.isBlank())
                continue;
            JsonNode rec;
            try {
                rec = JSON.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException("line " + n + ": not JSON: " + e.getMessage());
            }
            if (!rec.isObject())
                throw new IllegalArgumentException("line " + n + ": not a JSON object");
            out.println(JSON.writeValueAsString(one(chain, rec)));
        }
        out.flush();
    }

    static byte[] bytes(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText().getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /* One record through the converters, the chain and back. */
    static ObjectNode one(Chain chain, JsonNode rec) {
        ObjectNode res = JSON.createObjectNode();
        IdentityHashMap<Header, byte[]> inputHeaders = new IdentityHashMap<>();
        try {
            SinkRecord r = toSinkRecord(chain, rec, inputHeaders);
            for (Stage s : chain.stages) {
                r = s.apply(r);
                if (r == null) {
                    res.put("dropped", true);
                    return res;
                }
            }
            return fromSinkRecord(chain, r, inputHeaders);
        } catch (RuntimeException e) {
            res.put("error", e.getMessage() != null ? e.getMessage() : e.getClass().getName());
            return res;
        }
    }

    /* As WorkerSinkTask.convertAndTransformRecord: key, value and headers
     * through their converters (which see the message's headers), a missing
     * timestamp as none. */
    static SinkRecord toSinkRecord(Chain chain, JsonNode rec, IdentityHashMap<Header, byte[]> inputHeaders) {
        String topic = rec.path("topic").asText("");
        int partition = rec.path("partition").asInt(0);
        long offset = rec.path("offset").asLong(0);
        JsonNode ts = rec.get("timestamp");
        long timestamp = ts == null || ts.isNull() ? -1 : ts.asLong();
        RecordHeaders kafkaHeaders = new RecordHeaders();
        ConnectHeaders headers = new ConnectHeaders();
        JsonNode hs = rec.get("headers");
        if (hs != null && hs.isArray()) {
            for (JsonNode h : hs) {
                String hk = h.path("key").asText();
                byte[] hv = bytes(h.get("value"));
                kafkaHeaders.add(hk, hv);
                headers.add(hk, chain.headerConverter.toConnectHeader(topic, hk, hv));
                inputHeaders.put(headers.lastWithName(hk), hv);
            }
        }
        SchemaAndValue key = chain.keyConverter.toConnectData(topic, kafkaHeaders, bytes(rec.get("key")));
        SchemaAndValue value = chain.valueConverter.toConnectData(topic, kafkaHeaders, bytes(rec.get("value")));
        return new SinkRecord(topic, partition, key.schema(), key.value(), value.schema(), value.value(), offset,
                timestamp < 0 ? null : timestamp,
                timestamp < 0 ? TimestampType.NO_TIMESTAMP_TYPE : TimestampType.CREATE_TIME, headers);
    }

    /* Back to bytes as WorkerSourceTask.convertTransformedRecord does:
     * headers first, then key and value (which see them). */
    static ObjectNode fromSinkRecord(Chain chain, SinkRecord r, IdentityHashMap<Header, byte[]> inputHeaders) {
        String topic = r.topic();
        RecordHeaders kafkaHeaders = new RecordHeaders();
        ArrayNode headers = JSON.createArrayNode();
        for (Header h : r.headers()) {
            byte[] hv = inputHeaders.containsKey(h) ? inputHeaders.get(h)
                    : chain.headerConverter.fromConnectHeader(topic, h.key(), h.schema(), h.value());
            kafkaHeaders.add(h.key(), hv);
            ObjectNode o = headers.addObject();
            o.put("key", h.key());
            o.put("value", text(hv));
        }
        byte[] key = chain.keyConverter.fromConnectData(topic, kafkaHeaders, r.keySchema(), r.key());
        byte[] value = chain.valueConverter.fromConnectData(topic, kafkaHeaders, r.valueSchema(), r.value());
        ObjectNode res = JSON.createObjectNode();
        res.put("topic", topic);
        if (r.kafkaPartition() == null)
            res.putNull("partition");
        else
            res.put("partition", r.kafkaPartition());
        if (r.timestamp() == null)
            res.putNull("timestamp");
        else
            res.put("timestamp", r.timestamp());
        res.put("key", text(key));
        res.put("value", text(value));
        res.set("headers", headers);
        return res;
    }
}
