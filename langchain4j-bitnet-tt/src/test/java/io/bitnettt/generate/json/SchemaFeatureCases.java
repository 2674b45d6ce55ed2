package io.bitnettt.generate.json;

import java.util.List;

/**
 * Hand-written documents per schema feature. {@code valid}: compact documents in the schema's key
 * order, which the decoder must be able to write and the validator must accept. {@code invalid}:
 * documents the validator must reject and the decoder must never write. {@code notCanonical}: valid
 * JSON the decoder still never writes (whitespace, another key order, bounds the decoder adds).
 */
record SchemaFeatureCases(String feature, String schema, List<String> valid, List<String> invalid,
                          List<String> notCanonical) {

    static final String PERSON = """
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},\
            "nick":{"type":"string"}},"required":["name","age"],"additionalProperties":false}""";

    static final String TREE = """
            {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},\
            "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value","children"],\
            "additionalProperties":false}},"$ref":"#/$defs/node"}""";

    static final String ORDER = """
            {"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":\
            {"id":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}},"price":{"type":"number"}},\
            "required":["id","tags"],"additionalProperties":false}},"paid":{"type":"boolean"}},\
            "required":["items","paid"],"additionalProperties":false}""";

    static List<SchemaFeatureCases> all() {
        return List.of(
                new SchemaFeatureCases("object with required and optional properties", PERSON,
                        List.of("{\"name\":\"Ada\",\"age\":36}", "{\"name\":\"Ada\",\"age\":36,\"nick\":\"A\"}",
                                "{\"name\":\"\",\"age\":-7}", "{\"name\":\"\\\"q\\u00e9\\n\\\\\",\"age\":0}",
                                "{\"name\":\"Zoë 日本 😀\",\"age\":1234567890123456}"),
                        List.of("{\"age\":36}", "{\"name\":\"Ada\"}", "{\"name\":\"Ada\",\"age\":36,\"x\":1}",
                                "{\"name\":1,\"age\":2}", "{\"name\":\"Ada\",\"age\":3.5}",
                                "{\"name\":\"Ada\",\"age\":\"36\"}", "[]", "\"Ada\"", "{\"name\":\"Ada\",\"age\":036}",
                                "{\"name\":\"Ada\",\"age\":36", "{\"name\":\"Ada\",\"age\":36}}",
                                "{\"name\":\"Ada\",\"age\":36,}", "{\"name\":\"Ada\",\"age\":36,\"nick\":null}"),
                        List.of("{\"age\":36,\"name\":\"Ada\"}", "{ \"name\":\"Ada\",\"age\":36}",
                                "{\"name\":\"Ada\",\"age\":1.0}", "{\"name\":\"Ada\",\"age\":12345678901234567}")),
                new SchemaFeatureCases("string enum", "{\"type\":\"string\",\"enum\":[\"red\",\"green\",\"gr\\\"ey\"]}",
                        List.of("\"red\"", "\"green\"", "\"gr\\\"ey\""),
                        List.of("\"blue\"", "\"re\"", "\"redd\"", "red", "\"Red\"", "1", "null"),
                        List.of(" \"red\"")),
                new SchemaFeatureCases("integer", "{\"type\":\"integer\"}",
                        List.of("0", "-0", "42", "-17", "1234567890123456", "-9000000000000000"),
                        List.of("1.5", "\"1\"", "01", "-", "+1", "1e", "true", "--1", "0x10"),
                        List.of("1e3", "12345678901234567", "2.0")),
                new SchemaFeatureCases("number", "{\"type\":\"number\"}",
                        List.of("0", "-1.5", "3.14159", "1e10", "2.5E-3", "-0.0e+5", "7E2"),
                        List.of(".5", "1.", "+1", "1e", "\"1\"", "NaN", "Infinity", "1.5.2", "00"),
                        List.of("1.00000000000000001", "1e100")),
                new SchemaFeatureCases("boolean", "{\"type\":\"boolean\"}",
                        List.of("true", "false"), List.of("True", "\"true\"", "1", "null", "tru", "falsey"), List.of()),
                new SchemaFeatureCases("null", "{\"type\":\"null\"}",
                        List.of("null"), List.of("\"null\"", "nul", "0", "{}"), List.of()),
                new SchemaFeatureCases("array of strings", "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}",
                        List.of("[]", "[\"a\"]", "[\"a\",\"b\",\"\"]"),
                        List.of("[\"a\",]", "[1]", "[,\"a\"]", "[\"a\" \"b\"]", "[\"a\"", "{}", "[[\"a\"]]"),
                        List.of("[ ]", "[\"a\", \"b\"]")),
                new SchemaFeatureCases("nested objects and arrays", ORDER,
                        List.of("{\"items\":[],\"paid\":true}",
                                "{\"items\":[{\"id\":1,\"tags\":[]},{\"id\":2,\"tags\":[\"x\",\"y\"],\"price\":9.99}],\"paid\":false}"),
                        List.of("{\"items\":[{\"id\":1}],\"paid\":true}", "{\"items\":[{\"id\":1,\"tags\":[1]}],\"paid\":true}",
                                "{\"items\":{},\"paid\":true}", "{\"paid\":true}",
                                "{\"items\":[{\"id\":1,\"tags\":[],\"price\":\"9\"}],\"paid\":true}"),
                        List.of("{\"paid\":true,\"items\":[]}")),
                new SchemaFeatureCases("anyOf", """
                        {"anyOf":[{"type":"string"},{"type":"integer"},{"type":"object","properties":{"a":{"type":"boolean"}},\
                        "required":["a"],"additionalProperties":false}]}""",
                        List.of("\"x\"", "5", "{\"a\":true}"),
                        List.of("true", "{\"a\":1}", "1.5", "null", "{}", "[5]"), List.of()),
                new SchemaFeatureCases("recursive references", TREE,
                        List.of("{\"value\":1,\"children\":[]}",
                                "{\"value\":1,\"children\":[{\"value\":2,\"children\":[{\"value\":3,\"children\":[]}]},{\"value\":4,\"children\":[]}]}"),
                        List.of("{\"value\":1,\"children\":[{\"value\":2}]}", "{\"value\":1}",
                                "{\"value\":1,\"children\":[1]}", "{\"value\":1,\"children\":[{\"value\":2,\"children\":[{}]}]}"),
                        List.of()),
                new SchemaFeatureCases("additionalProperties false without properties",
                        "{\"type\":\"object\",\"additionalProperties\":false}",
                        List.of("{}"), List.of("{\"a\":1}", "[]", "null"), List.of("{ }")),
                new SchemaFeatureCases("free-form map", "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}",
                        List.of("{}", "{\"a\":1,\"b\":-2}", "{\"\":0}"),
                        List.of("{\"a\":\"x\"}", "{\"a\":1,}", "{a:1}", "[]"), List.of()),
                new SchemaFeatureCases("any JSON value", "{}",
                        List.of("{\"a\":[1,2.5,\"x\",null,true,{\"b\":{}}]}", "[]", "\"s\"", "3", "null", "false",
                                "[[[[]]],{}]"),
                        List.of("{a:1}", "[1,]", "{\"a\"}", "", "undefined", "'s'", "[1 2]", "{\"a\":1}}"),
                        List.of("[1, 2]", "\"\\ud83d\\ude00\"")),
                new SchemaFeatureCases("const", "{\"const\":{\"k\":[1,2]}}",
                        List.of("{\"k\":[1,2]}"), List.of("{\"k\":[1]}", "{\"k\":[2,1]}", "{}"), List.of()),
                new SchemaFeatureCases("type list", "{\"type\":[\"string\",\"null\"]}",
                        List.of("\"a\"", "null"), List.of("1", "[]", "true"), List.of()),
                new SchemaFeatureCases("strings: escapes and UTF-8", "{\"type\":\"string\"}",
                        List.of("\"\\u0041\\/\\\\\\b\\f\\n\\r\\t\\\"\"", "\"ß→😀\"", "\"\\uFFFF\""),
                        List.of("\"a\nb\"", "\"\\x\"", "\"\\u12\"", "\"abc", "\"a\"b\"", "\"\t\""),
                        List.of("\"\\ud83d\\ude00\"")));
    }
}
