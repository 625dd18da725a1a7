package io.pgactive.tools.sdk;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON into the snapshot records the way {@link SnapshotJson#MAPPER} does (snake_case names, RFC 3339 times,
 * unknown members ignored, a missing or null primitive its default), but with the streaming parser and the records'
 * own components instead of Jackson's data binding. Building an {@code ObjectMapper} with its time module and
 * introspecting the records costs more than everything else a one-request command line does; a snapshot read this way
 * is equal to one read by the mapper (checked by the tests for every component).
 */
final class RecordReader {

    private static final JsonFactory JSON = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private record Shape(RecordComponent[] components, String[] names, Constructor<?> constructor) {}

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            String[] names = new String[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                names[i] = snakeCase(components[i].getName());
                types[i] = components[i].getType();
            }
            try {
                return new Shape(components, names, type.getDeclaredConstructor(types));
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("no canonical constructor in " + type, e);
            }
        }
    };

    private RecordReader() {}

    static Snapshot snapshot(byte[] body) throws IOException {
        return (Snapshot) value(tree(body), Snapshot.class, "snapshot");
    }

    /** The JSON text as a tree, as {@code ObjectMapper.readTree} builds it; trailing content is ignored. */
    static JsonNode tree(byte[] body) throws IOException {
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new JsonParseException(p, "No content to map due to end-of-input");
            }
            return node(p, first);
        }
    }

    private static JsonNode node(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    o.set(name, node(p, p.nextToken()));
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    a.add(node(p, e));
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return NODES.booleanNode(t == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new JsonParseException(p, "unexpected " + t);
        }
    }

    private static Object value(JsonNode n, Type type, String path) throws IOException {
        Class<?> raw = type instanceof ParameterizedType pt ? (Class<?>) pt.getRawType() : (Class<?>) type;
        if (n == null || n.isNull()) {
            return primitiveDefault(raw);
        }
        if (raw == String.class) {
            return n.isValueNode() ? n.asText() : fail(path, "a string", n);
        }
        if (raw == long.class || raw == Long.class) {
            return n.isNumber()
                    ? n.longValue()
                    : n.isTextual() ? parse(path, n, Long::valueOf) : fail(path, "a number", n);
        }
        if (raw == int.class || raw == Integer.class) {
            return n.isNumber()
                    ? n.intValue()
                    : n.isTextual() ? parse(path, n, Integer::valueOf) : fail(path, "a number", n);
        }
        if (raw == double.class || raw == Double.class) {
            return n.isNumber()
                    ? n.doubleValue()
                    : n.isTextual() ? parse(path, n, Double::valueOf) : fail(path, "a number", n);
        }
        if (raw == boolean.class || raw == Boolean.class) {
            if (n.isBoolean()) {
                return n.booleanValue();
            }
            return n.isTextual() && (n.asText().equals("true") || n.asText().equals("false"))
                    ? Boolean.valueOf(n.asText())
                    : fail(path, "true or false", n);
        }
        if (raw == Instant.class) {
            return n.isTextual() ? parse(path, n, RecordReader::instant) : fail(path, "an RFC 3339 time", n);
        }
        if (raw.isEnum()) {
            return n.isTextual()
                    ? parse(path, n, s -> enumConstant(raw, s))
                    : fail(path, "one of the names of " + raw.getSimpleName(), n);
        }
        if (raw.isRecord()) {
            return n.isObject() ? record(n, raw, path) : fail(path, "an object", n);
        }
        if (raw == Object.class) {
            return untyped(n);
        }
        Type[] args = type instanceof ParameterizedType pt
                ? pt.getActualTypeArguments()
                : new Type[] {Object.class, Object.class};
        if (raw == List.class || raw == Collection.class) {
            if (!n.isArray()) {
                return fail(path, "an array", n);
            }
            List<Object> out = new ArrayList<>(n.size());
            for (int i = 0; i < n.size(); i++) {
                out.add(value(n.get(i), args[0], path + "[" + i + "]"));
            }
            return out;
        }
        if (raw == Map.class) {
            if (!n.isObject()) {
                return fail(path, "an object", n);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), value(e.getValue(), args[1], path + "." + e.getKey()));
            }
            return out;
        }
        throw new IllegalStateException(path + ": no reading for " + type);
    }

    private static Object record(JsonNode n, Class<?> type, String path) throws IOException {
        Shape shape = SHAPES.get(type);
        Object[] args = new Object[shape.components.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = value(n.get(shape.names[i]), shape.components[i].getGenericType(), path + "." + shape.names[i]);
        }
        try {
            return shape.constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new Unreadable(path + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What Jackson makes of a value of declared type {@code Object}. */
    private static Object untyped(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            n.fields().forEachRemaining(e -> out.put(e.getKey(), untyped(e.getValue())));
            return out;
        }
        if (n.isArray()) {
            List<Object> out = new ArrayList<>(n.size());
            n.forEach(e -> out.add(untyped(e)));
            return out;
        }
        if (n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            return n.numberValue();
        }
        return n.isBoolean() ? n.booleanValue() : n.asText();
    }

    private static Object primitiveDefault(Class<?> type) {
        if (!type.isPrimitive()) {
            return null;
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == double.class) {
            return 0.0;
        }
        return 0;
    }

    private static Instant instant(String s) {
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return OffsetDateTime.parse(s).toInstant();
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumConstant(Class<?> type, String name) {
        return Enum.valueOf((Class) type, name);
    }

    private interface Parse {
        Object apply(String text);
    }

    private static Object parse(String path, JsonNode n, Parse parse) throws IOException {
        try {
            return parse.apply(n.asText());
        } catch (RuntimeException e) {
            throw new Unreadable(path + ": cannot read \"" + n.asText() + "\": " + e.getMessage(), e);
        }
    }

    private static Object fail(String path, String expected, JsonNode n) throws IOException {
        String text = n.toString();
        throw new Unreadable(
                path + ": expected " + expected + ", got "
                        + (text.length() > 80 ? text.substring(0, 80) + "..." : text),
                null);
    }

    /** JSON of another shape: reported like the mapper's own mismatches, as an unreadable answer. */
    static final class Unreadable extends JsonProcessingException {
        Unreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Jackson's {@code SNAKE_CASE}: an underscore before each run of capitals, all lower case. */
    static String snakeCase(String name) {
        StringBuilder out = new StringBuilder(name.length() + 8);
        boolean previousUpper = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (i == 0 && c == '_') {
                continue;
            }
            if (Character.isUpperCase(c)) {
                if (!previousUpper && out.length() > 0 && out.charAt(out.length() - 1) != '_') {
                    out.append('_');
                }
                c = Character.toLowerCase(c);
                previousUpper = true;
            } else {
                previousUpper = false;
            }
            out.append(c);
        }
        return out.toString();
    }
}
